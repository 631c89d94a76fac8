"""Prompt sources: JSONL, JSON, CSV and Parquet files, or Hugging Face datasets by name.

Every command that sends prompts to models (generate, rse, chat) reads them through here, so a
field mapping, a seeded sample and the handling of multi-turn conversations mean the same thing
everywhere. A conversation is kept whole: all its turns go to the model. When it ends with an
assistant turn, that turn is held out as the item's reference response.

    source = PromptSource(path="hf:HuggingFaceH4/ultrachat_200k", split="test_sft",
                          fields=FieldMap(messages="messages"), sample=1000, seed=0)
    items = load_prompt_items(source)
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from distillscope.errors import InputError
from distillscope.fileio.files import read_text
from distillscope.fileio.jsonl import read_jsonl
from distillscope.fileio.lists import refuse_duplicate_ids
from distillscope.hub import prefer_cache_when_offline
from distillscope.models.types import Message

# ShareGPT and similar dumps name roles and fields differently.
ROLE_ALIASES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "bot": "assistant",
    "model": "assistant",
    "chatgpt": "assistant",
    "system": "system",
}


class FieldMap(BaseModel):
    """Which record fields hold what. Dotted paths reach into nested records ("meta.topic")."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = Field("prompt", description="A single user prompt.")
    messages: str = Field("messages", description="A conversation: a list of {role, content} turns.")
    answer: str | None = Field("answer", description="A reference answer (math), if any.")
    category: str | None = Field("category", description="A category, for balance and per-category scores.")
    id: str | None = Field("id", description="A stable id; the line or row number when absent.")
    system: str | None = Field("system", description="A system prompt to put first.")


class PromptSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="A .jsonl/.json/.csv/.parquet file, or hf:DATASET[:CONFIG] for the hub.")
    split: str = Field("train", description="Dataset split, for hub datasets.")
    fields: FieldMap = Field(default_factory=FieldMap)
    sample: int | None = Field(None, ge=1, description="Keep this many items, drawn with the seed.")
    seed: int = Field(0, description="Seed for the sample.")
    domain: str | None = Field(None, description="A label for the whole set (e.g. 'math'), kept on each item.")


@dataclass
class PromptItem:
    id: str
    messages: list[Message]
    answer: str | None = None
    category: str | None = None
    domain: str | None = None
    reference: str | None = None  # a held-out final assistant turn
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        """The last user turn: what a one-line view of this item shows."""
        users = [m.content for m in self.messages if m.role == "user"]
        return users[-1] if users else ""

    def to_record(self) -> dict[str, Any]:
        """The item as a prompts-file line that `load_prompt_items` reads back unchanged."""
        record: dict[str, Any] = {"id": self.id, "messages": [m.model_dump() for m in self.messages]}
        for name in ("answer", "category", "domain", "reference"):
            if getattr(self, name) is not None:
                record[name] = getattr(self, name)
        if self.meta:
            record["meta"] = self.meta
        return record


def load_prompt_items(source: PromptSource | str | Path) -> list[PromptItem]:
    if not isinstance(source, PromptSource):
        source = PromptSource(path=str(source))
    rows = list(_rows(source))
    if not rows:
        raise InputError("no records", path=source.path, hint="expected at least one prompt")
    items = [_item(where, record, source) for where, record in rows]
    refuse_duplicate_ids(((item.id, where) for item, (where, _) in zip(items, rows, strict=True)), source.path)
    if source.sample is not None and source.sample < len(items):
        keep = sorted(random.Random(source.seed).sample(range(len(items)), source.sample))
        items = [items[i] for i in keep]
    return items


def _rows(source: PromptSource) -> Iterator[tuple[int, dict[str, Any]]]:
    yield from iter_records(source.path, source.split)


def iter_records(location: str | Path, split: str = "train") -> Iterator[tuple[int, dict[str, Any]]]:
    """(line or row number, record) from a file or a hub dataset (`hf:NAME[:CONFIG]`)."""
    location = str(location)
    if location.startswith("hf:"):
        yield from _hub_rows(location, split)
        return
    path = Path(location).expanduser()
    if not path.exists():
        raise InputError("file not found", path=path, hint="expected a .jsonl, .json, .csv or .parquet file")
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from read_jsonl(path)
    elif suffix == ".json":
        yield from _json_rows(path)
    elif suffix == ".csv":
        yield from _csv_rows(path)
    elif suffix == ".parquet":
        yield from _parquet_rows(path)
    else:
        raise InputError(f"unknown file type {suffix!r}", path=path, hint="expected .jsonl, .json, .csv or .parquet")


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(read_text(path, "a JSON list of records"))
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", path=path, line=exc.lineno) from None
    if not isinstance(data, list):
        raise InputError("expected a JSON list of records", path=path)
    for index, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise InputError(f"record {index} is not an object", path=path)
        yield index, record


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(read_text(path, "a CSV file with a header row"), newline=""))
    try:
        for record in reader:
            yield reader.line_num, {k: v for k, v in record.items() if k is not None}
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", path=path, line=reader.line_num) from None


def _parquet_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise InputError(f"cannot read Parquet: {exc}", path=path) from None
    yield from enumerate(table.to_pylist(), start=1)


def _hub_rows(location: str, split: str) -> Iterator[tuple[int, dict[str, Any]]]:
    from datasets import load_dataset

    prefer_cache_when_offline()
    name, _, config = location.removeprefix("hf:").partition(":")
    try:
        dataset = load_dataset(name, config or None, split=split)
    except Exception as exc:  # offline, unknown name, unknown split: all surface as different types
        raise InputError(
            f"cannot load Hugging Face dataset {name!r} split {split!r}: {str(exc).splitlines()[0]}",
            path=location,
            hint="check the name, config and split, and that the hub is reachable",
        ) from None
    for index, record in enumerate(dataset, start=1):
        yield index, dict(record)


def dotted_field(record: dict[str, Any], dotted: str | None) -> Any:
    """The value at a dotted path ("meta.text") of a record, or None where the path leads nowhere."""
    if not dotted:
        return None
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _item(where: int, record: dict[str, Any], source: PromptSource) -> PromptItem:
    fields = source.fields
    messages = _messages(dotted_field(record, fields.messages), where, source)
    if not messages:
        prompt = dotted_field(record, fields.prompt)
        if not isinstance(prompt, str) or not prompt.strip():
            raise InputError(
                f"record has neither {fields.prompt!r} nor {fields.messages!r}",
                path=source.path,
                line=where,
                hint="set the field mapping (fields.prompt / fields.messages) to the record's fields",
            )
        messages = [Message(role="user", content=prompt)]
    system = dotted_field(record, fields.system)
    if isinstance(system, str) and system and messages[0].role != "system":
        messages = [Message(role="system", content=system), *messages]
    reference = None
    if messages[-1].role == "assistant":
        reference = messages[-1].content
        messages = messages[:-1]
    if not any(m.role == "user" for m in messages):
        raise InputError("conversation has no user turn", path=source.path, line=where)
    answer, category, item_id = (dotted_field(record, f) for f in (fields.answer, fields.category, fields.id))
    return PromptItem(
        id=str(item_id) if item_id not in (None, "") else str(where),
        messages=messages,
        answer=None if answer in (None, "") else str(answer),
        category=None if category in (None, "") else str(category),
        domain=source.domain,
        reference=reference,
    )


def _messages(raw: Any, where: int, source: PromptSource) -> list[Message]:
    if raw is None:
        return []
    if isinstance(raw, str):  # CSV cells hold JSON text
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise InputError("messages field is not a JSON list", path=source.path, line=where) from None
    if not isinstance(raw, Iterable):
        raise InputError("messages field is not a list", path=source.path, line=where)
    out = []
    for turn in raw:
        if not isinstance(turn, dict):
            raise InputError("a turn is not an object", path=source.path, line=where)
        role = ROLE_ALIASES.get(str(turn.get("role", turn.get("from", ""))).lower())
        content = turn.get("content", turn.get("value"))
        if role is None or not isinstance(content, str):
            raise InputError(
                f"bad turn {turn!r:.80}",
                path=source.path,
                line=where,
                hint="expected {role: user|assistant|system, content: ...} (or ShareGPT's from/value)",
            )
        out.append(Message(role=role, content=content))  # type: ignore[arg-type]
    return out
