"""JSON Lines in and out: the exchange format for prompts, responses and exported runs.

Reading reports the file and line of a malformed record (or of a byte that is not UTF-8); streaming
writers flush each record so a killed process leaves every finished line on disk, and a whole file
is written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from distillscope.errors import InputError
from distillscope.fileio.files import decode_utf8, write_atomic
from distillscope.fileio.outgoing import inert_values, outgoing_json


def read_jsonl(path: Path | str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line; every line must be a JSON object."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError("file not found; expected a JSONL file", path=path) from None
    except IsADirectoryError:
        raise InputError("is a folder; expected a JSONL file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}; expected a JSONL file", path=path) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            line = decode_utf8(raw, path, first_line=number)
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"malformed JSON: {exc.msg} (column {exc.colno})",
                    path=path,
                    line=number,
                    hint="expected one JSON object per line",
                ) from None
            if not isinstance(obj, dict):
                raise InputError(f"expected a JSON object, got {type(obj).__name__}", path=path, line=number)
            yield number, obj


def dumps(record: Any) -> str:
    """One JSON line as it may leave the process: redacted and without raw control characters."""
    text = json.dumps(inert_values(_plain(record)), ensure_ascii=False, separators=(",", ":"), default=_default)
    return outgoing_json(text)


def write_record(handle: IO[str], record: Any) -> None:
    """One record, flushed. A handle that cleans what it is given (`streamed_output`) is told the line
    is clean already; any other handle (a terminal) gets the same cleaned line."""
    write = getattr(handle, "write_cleaned", handle.write)
    write(dumps(record) + "\n")
    handle.flush()


def write_jsonl(path: Path | str, records: Iterable[Any]) -> int:
    """Every record, one per line, replacing the file at once when all are written."""
    lines = [dumps(record) + "\n" for record in records]
    write_atomic(Path(path), "".join(lines))
    return len(lines)


def _plain(record: Any) -> Any:
    """A record of pydantic models as plain JSON data, so that every text in it can be cleaned."""
    return record.model_dump(mode="json") if hasattr(record, "model_dump") else record


def _default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")
