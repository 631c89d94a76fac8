"""The one shape every judge returns, so LLM judges and offline judges are interchangeable."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Judgment(BaseModel):
    """A verdict on one item. `parsed` is False when an LLM judge's reply could not be read."""

    judge: str
    score: float | None = None
    label: str | None = None
    reason: str = ""
    raw: str = ""
    parsed: bool = True
    details: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def unparseable(cls, judge: str, raw: str, why: str) -> Judgment:
        return cls(judge=judge, raw=raw, parsed=False, reason=why)
