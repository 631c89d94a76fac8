"""Tables and examples as plain data: what a method shows, for the terminal and the report alike.

A method describes its tables once, as rows of `Cell`s (a value, a second line such as a CI, and a
note such as n); the CLI renders them with rich and the report with HTML. Numbers are formatted
here, once, so the page and the terminal agree. Nothing here escapes: every string is text, and
each renderer keeps model output inert in its own way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Cell:
    """A table cell: the value, a second line (a CI), and a note (what was left out)."""

    text: str
    sub: str = ""
    note: str = ""


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    numeric_from: int = 1  # columns from this index on are right-aligned
    breaks: list[int] = field(default_factory=list)  # row indices a new section starts at (terminal only)


@dataclass
class ExampleView:
    heading: str
    messages: list[tuple[str, str]]
    left_title: str
    left: str
    right_title: str
    right: str
    verdicts: list[tuple[str, str, str]] = field(default_factory=list)  # judge, score, reason


@dataclass
class ExampleGroup:
    title: str
    examples: list[ExampleView]


def num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"[{low:.3f}, {high:.3f}]"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def cost(value: float | None) -> str:
    if value is None:
        return "unknown"
    return f"${value:.4f}" if value >= 0.0001 or value == 0 else f"${value:.2e}"


def truth_text(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)


def short_spec(spec: str, keep: int = 2) -> str:
    """A local model's spec with only its last folders, so long paths do not widen the tables."""
    prefix, _, path = spec.partition(":")
    parts = path.split("/")
    if prefix != "hf" or len(parts) <= keep + 1:
        return spec
    return f"hf:…/{'/'.join(parts[-keep:])}"


class ModelMean(Protocol):
    """A results row of one model's mean with its interval: what a text signal's table shows."""

    label: str
    role: str
    mean: float | None
    low: float | None
    high: float | None
    n: int


def means_table(title: str, measure: str, models: Sequence[ModelMean], caption: str) -> Table:
    """One row per model (its role beneath, unless a target): its mean, 95% interval and n."""
    rows = [
        [Cell(m.label, m.role if m.role != "target" else ""), Cell(num(m.mean), interval(m.low, m.high), f"n={m.n}")]
        for m in models
    ]
    return Table(title, ["model", measure], rows, caption=caption)
