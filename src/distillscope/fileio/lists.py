"""Lists as the command line gives them: a flag repeated, or one value with commas, or both."""

from __future__ import annotations

from typing import Any


def comma_list(value: Any) -> Any:
    """`"a,b"`, `["a,b", "c"]` → `["a", "b", "c"]`; anything that is not text or a list passes through,
    so pydantic can still say what was expected."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list | tuple):
        return [part.strip() for item in value for part in str(item).split(",") if part.strip()]
    return value


def split_flags(values: list[str] | None) -> list[str] | None:
    """Repeated flags and comma-separated lists alike; None when nothing was given."""
    return comma_list(values) or None if values else None
