"""The classifier's results as plain data: each model's mean probability and how its answers spread."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

BINS = 10


class ModelScores(BaseModel):
    label: str
    model: str
    role: str
    mean: float | None
    low: float | None
    high: float | None
    n: int
    histogram: list[int] = Field(description=f"Answers per probability bin, {BINS} bins over [0, 1].")


class ClassifierResults(BaseModel):
    kind: Literal["classifier"] = "classifier"
    reference: str
    run_id: str | None
    models: list[ModelScores]
    settings: dict[str, Any] = Field(default_factory=dict)
