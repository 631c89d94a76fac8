"""Distillation between a teacher and a student that tokenise differently.

Logit distillation compares two next-token distributions from the same context. With two
tokenizers there is no shared token position and no shared vocabulary, so both are rebuilt:

- Positions: each model reads the conversation rendered by its own chat template. Inside an
  assistant turn, a position of the student and one of the teacher are aligned when the next
  token of each starts at the same character of the turn's content: both models then predict
  what follows the same text. Where the two tokenizers split a word differently, the positions
  inside the word have no partner and get no KD term (cross-entropy still trains them). These
  common boundaries are the points where trl's GOLD closes its alignment groups.
- Vocabularies: the two distributions are compared by a divergence that needs no token
  correspondence, ULD's distance between the probabilities sorted in descending order
  (`losses.sorted_l1`, registered as `uld`).

Plain-text records work the same way, with the whole text as one turn. The teacher's token ids and
the aligned pairs are computed once, before training, and travel with each example.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillscope.distill.common.dataset import EncodedChat, Example, encode_chat, no_text, record_messages
from distillscope.errors import InputError

CROSS_TOKENIZER_LOSSES = ("uld",)


@dataclass
class AlignedExample:
    """A student example, the teacher's token ids for the same record, and the aligned positions.

    `student_index[i]` indexes the student's loss positions; `teacher_positions[i]` is the teacher
    position predicting the next token after the same text.
    """

    student: Example
    teacher_ids: list[int]
    student_index: list[int]
    teacher_positions: list[int]


def _plain(tokenizer: Any, text: str, max_length: int) -> EncodedChat:
    encoded = tokenizer(
        text, add_special_tokens=True, return_offsets_mapping=True, truncation=True, max_length=max_length
    )
    ids = list(encoded["input_ids"])
    offsets = [(int(a), int(b)) for a, b in encoded["offset_mapping"]]
    return EncodedChat(Example(ids, list(ids)), text, offsets, [(0, len(text))])


def boundaries(encoded: EncodedChat, contents: Sequence[str]) -> dict[tuple[int, int], int]:
    """(turn, character within the turn's content) -> the first token starting there, for every token
    that starts inside an assistant turn, up to and including the end-of-turn marker."""
    found: dict[tuple[int, int], int] = {}
    for turn, ((lo, hi), content) in enumerate(zip(encoded.turns, contents, strict=True)):
        begin = encoded.text.find(content, lo)
        if begin < 0 or begin > hi:
            continue  # a template that rewrites the content: this turn gets no KD term
        for token, (start, end) in enumerate(encoded.offsets):
            relative = start - begin
            if end > start and lo <= start < hi and 0 <= relative <= len(content):
                found.setdefault((turn, relative), token)
    return found


def align(student: EncodedChat, teacher: EncodedChat, contents: Sequence[str]) -> tuple[list[int], list[int]]:
    """Aligned (student loss-position index, teacher position) pairs, in the student's order."""
    loss_index = {position: i for i, position in enumerate(student.example.loss_positions)}
    theirs = boundaries(teacher, contents)
    pairs = []
    for key, token in boundaries(student, contents).items():
        other = theirs.get(key)
        if other is not None and other >= 1 and token - 1 in loss_index:
            pairs.append((loss_index[token - 1], other - 1))
    pairs.sort()
    return [s for s, _ in pairs], [t for _, t in pairs]


def build_aligned_examples(
    student_tokenizer: Any,
    teacher_tokenizer: Any,
    records: Sequence[tuple[int, dict[str, Any]]],
    max_length: int,
    location: str | Path = "data",
) -> list[AlignedExample]:
    """Both tokenizations of every record and their aligned positions; records with nothing to learn
    for the student are dropped, exactly as `build_examples` drops them."""
    out = []
    for line, record in records:
        if isinstance(record.get("messages"), list):
            messages = record_messages(record, line, location)
            contents = [m["content"] for m in messages if m["role"] == "assistant"]
            mine = encode_chat(student_tokenizer, messages, max_length)
            theirs = encode_chat(teacher_tokenizer, messages, max_length)
        elif isinstance(record.get("text"), str):
            contents = [record["text"]]
            mine = _plain(student_tokenizer, record["text"], max_length)
            theirs = _plain(teacher_tokenizer, record["text"], max_length)
        else:
            raise no_text(location, line)
        if not mine.example.loss_positions:
            continue
        student_index, teacher_positions = align(mine, theirs, contents)
        out.append(AlignedExample(mine.example, theirs.example.input_ids, student_index, teacher_positions))
    if not out:
        raise InputError("no example has a token to learn after truncation", path=location, hint="raise max_length")
    return out


def aligned_share(examples: Sequence[AlignedExample]) -> float:
    """The share of the student's trained positions that have a teacher partner."""
    trained = sum(len(e.student.loss_positions) for e in examples)
    return sum(len(e.student_index) for e in examples) / max(1, trained)
