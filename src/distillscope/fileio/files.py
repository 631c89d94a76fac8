"""Result files: written whole or not at all, and read back with one clear error.

A run killed while writing must leave the previous file or the new one, never half of one, so
every writer goes through a scratch file beside the target and a rename.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from distillscope.errors import InputError

ModelT = TypeVar("ModelT", bound=BaseModel)


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, path)


def write_csv(path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> None:
    """Rows as CSV; the columns are every key in first-seen order unless given, and extra keys are dropped."""
    header = list(columns) if columns is not None else list(dict.fromkeys(key for row in rows for key in row))
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with scratch.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(scratch, path)


def read_model_json(kind: type[ModelT], path: Path | str, filename: str, what: str) -> ModelT:
    """`kind` from a JSON file, or from the file `filename` in a folder; a bad file is an input error."""
    path = Path(path)
    if path.is_dir():
        path = path / filename
    try:
        return kind.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"file not found; expected {what} ({filename})", path=path) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"not {what}: {where + ': ' if where else ''}{first['msg']}", path=path) from None
    except ValueError as exc:
        raise InputError(f"not {what}: {str(exc).splitlines()[0]}", path=path) from None
