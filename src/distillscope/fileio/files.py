"""Result files: written whole or not at all, read back with one clear error, and safe to open.

A run killed while writing must leave the previous file or the new one, never half of one, so
every writer goes through a scratch file beside the target and a rename. A file a run streams into
as results arrive (`streamed_output`) keeps the same promise for the file it replaces: an earlier
run's output is never truncated before the new run has finished. CSV cells that a spreadsheet would
run as a formula are written as text, since they may hold a model's words. Every text written
passes `outgoing` on its way: no secret and no control character reaches a file (see `outgoing.py`).
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

from pydantic import BaseModel, ValidationError

from distillscope.errors import InputError
from distillscope.fileio.outgoing import outgoing, outgoing_json

ModelT = TypeVar("ModelT", bound=BaseModel)

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets (a tab or
# carriage return first hides the sign from a quick look but not from every parser).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def cannot_write(path: Path, exc: OSError) -> InputError:
    return InputError(f"cannot write here: {exc.strerror or exc}", path=path, hint="expected a writable path")


def _scratch(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A file that cannot be written (a folder in its place, no permission, a full disk) is one clear error."""
    try:
        yield
    except OSError as exc:
        raise cannot_write(path, exc) from None


def write_atomic(path: Path, text: str) -> None:
    scratch = _scratch(path)
    with _writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            scratch.write_text(_outgoing_file_text(path, text), encoding="utf-8")
            os.replace(scratch, path)
        finally:
            scratch.unlink(missing_ok=True)


def _outgoing_file_text(path: Path, text: str) -> str:
    """A whole file's text as it may be written. An HTML page is left as rendered: its template
    escaped every outside text, and its inline scripts are pinned by hash in its CSP, which any
    change to them would break."""
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl"):
        return outgoing_json(text)
    if suffix in (".html", ".htm"):
        return text
    return outgoing(text)


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would evaluate, quoted so it shows as the text it is.

    The leading apostrophe is the convention every spreadsheet reads as "this is text"; plain
    numbers (-0.25) are left alone, and so is everything that is not text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    """A CSV cell as it may be written: redacted, inert, and never a formula."""
    return spreadsheet_safe(outgoing(value) if isinstance(value, str) else value)


class _CellCleaner:
    """`_cell` for one file, worked out once per distinct text. A result file repeats its texts in every
    row (a judge's name, a model's spec, a domain): 19,200 rows of pairs held 134,000 text cells and
    spent 4 s in `outgoing` before, nearly all on texts already cleaned a row above."""

    def __init__(self) -> None:
        self._seen: dict[str, Any] = {}

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # only text can carry a secret, a control character or a formula
        cleaned = self._seen.get(value)
        if cleaned is None:
            cleaned = self._seen[value] = _cell(value)
        return cleaned


def write_csv(path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> None:
    """Rows as CSV; the columns are every key in first-seen order unless given, and extra keys are dropped."""
    header = list(columns) if columns is not None else list(dict.fromkeys(key for row in rows for key in row))
    scratch = _scratch(path)
    cell = _CellCleaner()
    with _writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with scratch.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=[cell(name) for name in header], extrasaction="ignore")
                writer.writeheader()
                writer.writerows({cell(k): cell(v) for k, v in row.items()} for row in rows)
            os.replace(scratch, path)
        finally:
            scratch.unlink(missing_ok=True)


class _OutgoingText:
    """A text file handle whose every write passes `outgoing` first."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle

    def write(self, text: str) -> int:
        return self._handle.write(outgoing(text))

    def write_cleaned(self, text: str) -> int:
        """Write text that already passed `outgoing` (a JSON line from `jsonl.dumps`): cleaning it twice
        cost a third of a rerun's time spent writing responses."""
        return self._handle.write(text)

    def flush(self) -> None:
        self._handle.flush()


@contextlib.contextmanager
def streamed_output(path: Path) -> Iterator[IO[str]]:
    """A text file written line by line as results arrive, that never costs the file it replaces.

    A new file is written in place, so a killed run leaves its finished lines on disk. An existing
    file (an earlier run's output) stays whole until this one is done: the new lines go to a scratch
    file beside it, which takes its place only when writing ends without an error. A rerun that
    fails at once (an unreachable server, Ctrl-C) therefore leaves the previous output as it was.
    """
    with _writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not path.exists()
        handle = (path if fresh else _scratch(path)).open("w", encoding="utf-8")
    if fresh:
        with handle:
            yield _OutgoingText(handle)  # type: ignore[misc]
        return
    scratch = _scratch(path)
    try:
        with handle:
            yield _OutgoingText(handle)  # type: ignore[misc]
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    os.replace(scratch, path)


def read_text(path: Path | str, what: str, *, max_bytes: int | None = None) -> str:
    """A whole text file as UTF-8, or one input error that says why not (with the line of a bad byte)."""
    path = Path(path)
    try:
        if max_bytes is not None and path.is_file() and path.stat().st_size > max_bytes:
            raise InputError(f"file is larger than {max_bytes // (1024 * 1024)} MiB; expected {what}", path=path)
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"file not found; expected {what}", path=path) from None
    except IsADirectoryError:
        raise InputError(f"is a folder; expected {what}", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}; expected {what}", path=path) from None
    return decode_utf8(raw, path)


def decode_utf8(raw: bytes, path: Path | str, first_line: int = 1) -> str:
    """Bytes as UTF-8 text (a leading byte-order mark is dropped); a bad byte is named with its line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = first_line + raw.count(b"\n", 0, exc.start)
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {column}",
            path=path,
            line=line,
            hint="expected UTF-8; save the file as UTF-8",
        ) from None


def read_model_json(kind: type[ModelT], path: Path | str, filename: str, what: str) -> ModelT:
    """`kind` from a JSON file, or from the file `filename` in a folder; a bad file is an input error."""
    path = Path(path)
    if path.is_dir():
        path = path / filename
    try:
        return kind.model_validate_json(read_text(path, f"{what} ({filename})"))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"not {what}: {where + ': ' if where else ''}{first['msg']}", path=path) from None
    except ValueError as exc:
        raise InputError(f"not {what}: {str(exc).splitlines()[0]}", path=path) from None
