"""Documents of a corpus, streamed one at a time from JSONL, text files or a `datasets` source.

A pre-training corpus may be larger than memory, so nothing here holds more than one document,
and every source can be read again from the start: `select` reads it once to score and once to
write the documents it keeps. Documents are numbered in stream order, and that number is what
ties a score to its document between the two readings.

- `.jsonl`: one record per line; the text is the `text_field` (a dotted path reaches inside).
- `.txt`: one document per non-blank line.
- a folder: every `.txt` or `.md` file below it, in sorted order, is one document.
- `hf:NAME[:CONFIG]`: a Hugging Face dataset (hub name or local folder), read with
  `streaming=True`, so it is never downloaded or loaded whole.
- `.json`, `.csv`, `.parquet`: read through `data.sources` (these formats are loaded whole).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from distillscope.data.sources import dotted_field, iter_records
from distillscope.errors import InputError
from distillscope.fileio.jsonl import read_jsonl

TEXT_SUFFIXES = (".txt", ".md")


class CorpusSource(BaseModel):
    """Where the documents are, and which field holds their text."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="A .jsonl or .txt file, a folder of .txt/.md files, or hf:DATASET[:CONFIG].")
    text_field: str = Field("text", description="The record field holding the document (dotted paths reach in).")
    id_field: str | None = Field("id", description="A record field with a stable id; the position when absent.")
    split: str = Field("train", description="Split, for `datasets` sources.")

    @model_validator(mode="before")
    @classmethod
    def _path_alone(cls, value: Any) -> Any:
        return {"path": str(value)} if isinstance(value, str | Path) else value


@dataclass(frozen=True)
class Document:
    """One document: its position in the stream, an id, its text and the record to write if kept."""

    index: int
    id: str
    text: str
    record: dict[str, Any]


def iter_documents(source: CorpusSource) -> Iterator[Document]:
    """Every document of the source, in a fixed order, one at a time."""
    for index, (where, record, default_id) in enumerate(_records(source)):
        text = dotted_field(record, source.text_field)
        if not isinstance(text, str):
            raise InputError(
                f"record has no text in field {source.text_field!r}",
                path=source.path,
                line=where,
                hint="set corpus.text_field to the field that holds each document",
            )
        found_id = dotted_field(record, source.id_field) if source.id_field else None
        doc_id = str(found_id) if found_id not in (None, "") else default_id
        yield Document(index=index, id=doc_id, text=text, record=record)


def _records(source: CorpusSource) -> Iterator[tuple[int | None, dict[str, Any], str]]:
    """(line or row for errors, the record, an id to use when the record has none)."""
    location = source.path
    if location.startswith("hf:"):
        yield from _dataset_records(location, source.split)
        return
    path = Path(location).expanduser()
    if path.is_dir():
        yield from _folder_records(path, source.text_field)
        return
    if not path.exists():
        raise InputError("corpus not found", path=path, hint="expected a .jsonl or .txt file, a folder, or hf:NAME")
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        for line, record in read_jsonl(path):
            yield line, record, str(line)
    elif suffix == ".txt":
        yield from _line_records(path, source.text_field)
    else:
        for row, record in iter_records(path, source.split):
            yield row, record, str(row)


def _line_records(path: Path, text_field: str) -> Iterator[tuple[int | None, dict[str, Any], str]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.rstrip("\n")
            if text.strip():
                yield number, {"id": str(number), text_field: text}, str(number)


def _folder_records(folder: Path, text_field: str) -> Iterator[tuple[int | None, dict[str, Any], str]]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
    if not files:
        raise InputError("folder holds no .txt or .md files", path=folder, hint="one document per file is expected")
    for file in files:
        name = file.relative_to(folder).as_posix()
        yield None, {"id": name, text_field: file.read_text(encoding="utf-8")}, name


def _dataset_records(location: str, split: str) -> Iterator[tuple[int | None, dict[str, Any], str]]:
    from datasets import load_dataset

    name, _, config = location.removeprefix("hf:").partition(":")
    try:
        dataset = load_dataset(name, config or None, split=split, streaming=True)
        for row, record in enumerate(dataset, start=1):
            yield row, dict(record), str(row)
    except InputError:
        raise
    except Exception as exc:  # offline, unknown name or split: each surfaces as a different type
        raise InputError(
            f"cannot stream dataset {name!r} split {split!r}: {str(exc).splitlines()[0] if str(exc) else exc!r}",
            path=location,
            hint="check the name, config and split (a local folder of data files works too)",
        ) from None
