"""Can this student learn this teacher's logits? Checked before any training step.

Logit distillation compares distributions token by token, so it needs the same vocabulary, the
same special tokens and ideally the same chat template. A mismatch found after hours of training
is a waste of a GPU. Checked here, it is one clear error. The classic near-miss is handled:
vocabularies that differ only in padding rows (Qwen's 151936 against 152064) share every real
token, so both sets of logits are sliced to the shared size. Distilling across genuinely different
tokenizers is a separate method that a run opts into (cross_tokenizer.py); it is never a fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from distillscope.errors import DistillscopeError


class TokenizerMismatch(DistillscopeError):
    """Teacher and student tokenise differently: logit distillation would compare unrelated tokens."""


@dataclass(frozen=True)
class Compatibility:
    shared_vocab: int
    problems: list[str]
    template_differs: bool


def _specials(tokenizer: Any) -> dict[str, str | None]:
    names = ("bos_token", "eos_token", "pad_token", "unk_token")
    found = {name: getattr(tokenizer, name, None) for name in names}
    found["additional"] = ",".join(sorted(map(str, getattr(tokenizer, "additional_special_tokens", []) or [])))
    return found


def _normalise(template: str | None) -> str:
    return " ".join((template or "").split())


def check_tokenizers(
    student_tokenizer: Any, teacher_tokenizer: Any, student_vocab_rows: int, teacher_vocab_rows: int
) -> Compatibility:
    """Compare vocabularies, special tokens and chat templates; `*_vocab_rows` are the models' logit sizes."""
    problems = []
    student_vocab, teacher_vocab = student_tokenizer.get_vocab(), teacher_tokenizer.get_vocab()
    if student_vocab != teacher_vocab:
        differing = sorted(set(student_vocab.items()) ^ set(teacher_vocab.items()), key=lambda kv: kv[1])
        examples = ", ".join(f"{tok!r}→{idx}" for tok, idx in differing[:3])
        problems.append(
            f"vocabularies differ ({len(student_vocab)} vs {len(teacher_vocab)} tokens, "
            f"{len(differing)} entries differ, e.g. {examples})"
        )
    student_specials, teacher_specials = _specials(student_tokenizer), _specials(teacher_tokenizer)
    for name in student_specials:
        if student_specials[name] != teacher_specials[name]:
            problems.append(f"{name} differs ({student_specials[name]!r} vs {teacher_specials[name]!r})")
    real = max(len(student_vocab), len(teacher_vocab))
    shared = min(student_vocab_rows, teacher_vocab_rows)
    if shared < real:
        problems.append(f"a model has fewer logit rows ({shared}) than the tokenizer has tokens ({real})")
    template_differs = _normalise(getattr(student_tokenizer, "chat_template", None)) != _normalise(
        getattr(teacher_tokenizer, "chat_template", None)
    )
    return Compatibility(shared_vocab=shared, problems=problems, template_differs=template_differs)


def require_compatible(
    student_tokenizer: Any,
    teacher_tokenizer: Any,
    student_vocab_rows: int,
    teacher_vocab_rows: int,
    allow_template_mismatch: bool = False,
) -> int:
    """The shared vocabulary size, or a `TokenizerMismatch` that says what differs."""
    found = check_tokenizers(student_tokenizer, teacher_tokenizer, student_vocab_rows, teacher_vocab_rows)
    problems = list(found.problems)
    if found.template_differs and not allow_template_mismatch:
        problems.append("chat templates differ (the teacher would read the student's format)")
    if problems:
        raise TokenizerMismatch(
            "teacher and student tokenizers are not compatible for logit distillation: " + "; ".join(problems),
            hint="use black-box distillation instead (distillscope generate, then train --mode sft)"
            + (
                ", or opt into cross-tokenizer KD (train --cross-tokenizer uld)"
                if found.problems
                else ", or allow_chat_template_mismatch: true"
            ),
        )
    return found.shared_vocab
