"""Lists as the command line gives them (a flag repeated, or one value with commas, or both), and
lists of records whose ids must name one record each."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from distillscope.errors import InputError


def comma_list(value: Any) -> Any:
    """`"a,b"`, `["a,b", "c"]` → `["a", "b", "c"]`; anything that is not text or a list passes through,
    so pydantic can still say what was expected."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list | tuple):
        return [part.strip() for item in value for part in str(item).split(",") if part.strip()]
    return value


def one_or_many(value: Any) -> Any:
    """One model (a spec, a name or a config) where a list of them is expected stands for a list of one."""
    return [value] if isinstance(value, str | dict) else value


def split_flags(values: list[str] | None) -> list[str] | None:
    """Repeated flags and comma-separated lists alike; None when nothing was given."""
    return comma_list(values) or None if values else None


def refuse_duplicate_ids(ids: Iterable[tuple[str, int]], path: Path | str) -> None:
    """Each (id, line) names one record: two records under one id would share one answer in the
    store, in result files and in every table keyed by id, so the second is refused, with both lines."""
    first: dict[str, int] = {}
    for item_id, line in ids:
        if item_id in first:
            raise InputError(
                f"id {item_id!r} is used again (first on line {first[item_id]})",
                path=path,
                line=line,
                hint="expected a distinct id per record",
            )
        first[item_id] = line
