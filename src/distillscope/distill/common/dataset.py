"""Training examples: chat records become token ids with labels on the assistant's tokens only.

The student must learn to write the assistant's turns, not to predict the user's prompts or the
chat template's scaffolding. So every token outside an assistant turn gets label -100. The turns
are found through the chat template itself: each assistant turn's text span is the difference
between the conversation rendered up to that turn (with the generation prompt) and up to its
end. Tokens whose characters fall in that span are trained. This works for any template that
renders conversations prefix-consistently, with or without `{% generation %}` markers.

Records with a "text" field (no messages) are plain language-modelling examples: every token is
trained.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from distillscope.data.sources import iter_records
from distillscope.errors import InputError

IGNORE = -100


@dataclass
class Example:
    input_ids: list[int]
    labels: list[int]

    @property
    def loss_positions(self) -> list[int]:
        """Positions t whose next token t+1 carries a label: where the model is asked to predict."""
        return [t for t in range(len(self.labels) - 1) if self.labels[t + 1] != IGNORE]


def load_training_records(location: str | Path, split: str = "train") -> list[tuple[int, dict[str, Any]]]:
    records = list(iter_records(location, split))
    if not records:
        raise InputError("no training records", path=location, hint='expected {"messages": [...]} or {"text": ...}')
    return records


def assistant_spans(
    tokenizer: Any, messages: Sequence[dict[str, str]], template: str | None = None
) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character spans of its assistant turns."""
    kwargs = {"tokenize": False, "chat_template": template} if template else {"tokenize": False}
    full = tokenizer.apply_chat_template(list(messages), **kwargs)
    spans = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = tokenizer.apply_chat_template(list(messages[:index]), add_generation_prompt=True, **kwargs)
        through = tokenizer.apply_chat_template(list(messages[: index + 1]), **kwargs)
        if not (through.startswith(before) and full.startswith(through)):
            raise InputError(
                "the chat template does not render conversations prefix-consistently, so assistant turns "
                "cannot be located",
                hint="use a template that does (most do), or train on plain text records",
            )
        spans.append((len(before), len(through)))
    return full, spans


@dataclass
class EncodedChat:
    """A tokenised conversation with what alignment across tokenizers needs: the rendered text, each
    token's character span in it, and the character spans of the assistant turns."""

    example: Example
    text: str
    offsets: list[tuple[int, int]]
    turns: list[tuple[int, int]]


def encode_chat(tokenizer: Any, messages: Sequence[dict[str, str]], max_length: int) -> EncodedChat:
    text, spans = assistant_spans(tokenizer, messages)
    encoded = tokenizer(
        text, add_special_tokens=False, return_offsets_mapping=True, truncation=True, max_length=max_length
    )
    labels = []
    for token_id, (start, end) in zip(encoded["input_ids"], encoded["offset_mapping"], strict=True):
        inside = any(lo <= start and end <= hi and end > start for lo, hi in spans)
        labels.append(token_id if inside else IGNORE)
    offsets = [(int(a), int(b)) for a, b in encoded["offset_mapping"]]
    return EncodedChat(Example(list(encoded["input_ids"]), labels), text, offsets, spans)


def tokenize_chat(tokenizer: Any, messages: Sequence[dict[str, str]], max_length: int) -> Example:
    return encode_chat(tokenizer, messages, max_length).example


def tokenize_text(tokenizer: Any, text: str, max_length: int) -> Example:
    ids = tokenizer(text, add_special_tokens=True, truncation=True, max_length=max_length)["input_ids"]
    return Example(list(ids), list(ids))


def record_messages(record: dict[str, Any], line: int, location: str | Path) -> list[dict[str, str]]:
    """A chat record's messages as plain {role, content} strings; malformed ones are an InputError."""
    try:
        messages = [{"role": str(m["role"]), "content": str(m["content"])} for m in record["messages"]]
    except (KeyError, TypeError):
        raise InputError("bad messages", path=location, line=line, hint="expected [{role, content}, ...]") from None
    if not any(m["role"] == "assistant" for m in messages):
        raise InputError("conversation has no assistant turn to learn", path=location, line=line)
    return messages


def build_examples(
    tokenizer: Any,
    records: Sequence[tuple[int, dict[str, Any]]],
    max_length: int,
    location: str | Path = "data",
) -> list[Example]:
    """Tokenise records; records that end up with nothing to learn (all truncated away) are dropped."""
    examples = []
    for line, record in records:
        if isinstance(record.get("messages"), list):
            example = tokenize_chat(tokenizer, record_messages(record, line, location), max_length)
        elif isinstance(record.get("text"), str):
            example = tokenize_text(tokenizer, record["text"], max_length)
        else:
            raise no_text(location, line)
        if example.loss_positions:
            examples.append(example)
    if not examples:
        raise InputError("no example has a token to learn after truncation", path=location, hint="raise max_length")
    return examples


def examples_fingerprint(examples: Sequence[Example]) -> str:
    """Identifies the exact token ids and labels, so a teacher cache can be matched to its data."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(json.dumps([example.input_ids, example.labels]).encode())
    return digest.hexdigest()[:16]


class DistillCollator:
    """Right-pads a batch; with a teacher cache, appends the cached top-k rows for its loss positions;
    with a teacher that tokenises differently, its own padded ids and the aligned positions as flat
    indices (into the batch's trained positions, and into the teacher's [batch * length] positions)."""

    def __init__(self, pad_token_id: int, cache: Any | None = None, teacher_pad_token_id: int | None = None) -> None:
        self.pad_token_id = pad_token_id
        self.cache = cache
        self.teacher_pad_token_id = teacher_pad_token_id

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        width = max(len(f["input_ids"]) for f in features)
        input_ids = torch.full((len(features), width), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(features), width), IGNORE, dtype=torch.long)
        mask = torch.zeros((len(features), width), dtype=torch.long)
        for row, feature in enumerate(features):
            n = len(feature["input_ids"])
            input_ids[row, :n] = torch.tensor(feature["input_ids"])
            labels[row, 1:n] = torch.tensor(feature["labels"][1:])  # the first token is never predicted
            mask[row, :n] = 1
        batch = {"input_ids": input_ids, "attention_mask": mask, "labels": labels}
        if self.cache is not None:
            rows = [self.cache.rows(int(f["index"])) for f in features]
            batch["teacher_ids"] = torch.cat([torch.from_numpy(r.ids) for r in rows])
            batch["teacher_logprobs"] = torch.cat([torch.from_numpy(r.logprobs) for r in rows])
            if rows and rows[0].tail is not None:
                batch["teacher_tail"] = torch.cat([torch.from_numpy(r.tail) for r in rows])
            if rows and rows[0].samples is not None:
                batch["teacher_tail_ids"] = torch.cat([torch.from_numpy(r.samples.ids) for r in rows])
                batch["teacher_tail_entropy"] = torch.cat([torch.from_numpy(r.samples.entropy) for r in rows])
        if self.teacher_pad_token_id is not None:
            batch.update(self._teacher_side(features, labels))
        return batch

    def _teacher_side(self, features: list[dict[str, Any]], labels: torch.Tensor) -> dict[str, torch.Tensor]:
        assert self.teacher_pad_token_id is not None
        width = max(len(f["teacher_input_ids"]) for f in features)
        ids = torch.full((len(features), width), self.teacher_pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(features), width), dtype=torch.long)
        trained = (labels[:, 1:] != IGNORE).sum(dim=1).tolist()
        student, teacher, before = [], [], 0
        for row, feature in enumerate(features):
            n = len(feature["teacher_input_ids"])
            ids[row, :n] = torch.tensor(feature["teacher_input_ids"])
            mask[row, :n] = 1
            student.extend(before + i for i in feature["align_student"])
            teacher.extend(row * width + p for p in feature["align_teacher"])
            before += trained[row]
        return {
            "teacher_input_ids": ids,
            "teacher_attention_mask": mask,
            "align_student": torch.tensor(student, dtype=torch.long),
            "align_teacher": torch.tensor(teacher, dtype=torch.long),
        }


def no_text(location: str | Path, line: int) -> InputError:
    """The error for a training record that is neither chat nor plain text."""
    return InputError(
        "record has neither 'messages' nor 'text'",
        path=location,
        line=line,
        hint='expected {"messages": [...]} (chat) or {"text": "..."} (plain)',
    )
