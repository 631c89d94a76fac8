"""What a method found about one model, as plain numbers: the input of every statistic downstream.

Each audit method returns, for every model it measured, one `Evidence`: its headline numbers
(`Measure`s, each with an interval and its n), the per-item values they were computed from (one
value per prompt, or per query), and the method's own typed summary for its tables. Everything
that judges a model afterwards (ground-truth checks, p-values against a null panel, share
estimates) reads these files, never a live model, so it can be recomputed from a past run.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

Role = Literal["target", "panel", "ceiling"]


class Measure(BaseModel):
    """One number a method reports for one model: a score with its 95% interval and its n."""

    name: str = Field(description="Within the method: a judge ('lexical'), a rate ('strict').")
    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0
    scale: str = Field("", description="What the number is, e.g. 'cosine similarity, 0–1'.")
    closer: Literal["higher", "lower"] = Field("higher", description="Which way means more like the reference.")


class ItemValues(BaseModel):
    """One measure's value per item (prompt or query) for one model."""

    signal: str = Field(description="The measure these items make up.")
    kind: Literal["score", "binary"] = Field(
        description="'score': continuous values of items every model answered (pairable by id); "
        "'binary': 0/1 outcomes of items that may differ between models."
    )
    ids: list[str]
    values: list[float]
    groups: list[str] = Field(default_factory=list, description="Each item's stratum (domain, category).")

    @model_validator(mode="after")
    def _parallel(self) -> ItemValues:
        if len(self.values) != len(self.ids) or (self.groups and len(self.groups) != len(self.ids)):
            raise ValueError("ids, values and groups must have one entry per item")
        return self

    def by_id(self) -> dict[str, float]:
        return dict(zip(self.ids, self.values, strict=True))

    def by_group(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for index, item in enumerate(self.ids):
            group = self.groups[index] if self.groups else ""
            out.setdefault(group, {})[item] = self.values[index]
        return out


class Evidence(BaseModel):
    """One method's findings on one model."""

    method: str
    model: str = Field(description="The model as the audit named it (spec or catalog name).")
    label: str
    role: Role = Field("target", description="target, panel (known not distilled), or ceiling (the reference).")
    reference: str = Field("", description="The reference it was measured against (its model string).")
    measures: list[Measure] = Field(default_factory=list)
    items: list[ItemValues] = Field(default_factory=list)
    headline: str | None = Field(None, description="The measure that stands for the method in overviews.")
    queries: int | None = Field(None, description="Queries to the model this evidence cost, where the method counts.")
    summary: Any = Field(None, description="The method's own summary of this model, in its own shape.")

    @property
    def lead(self) -> Measure | None:
        """The headline measure: the one named, else the first."""
        if self.headline is not None:
            return self.measure(self.headline)
        return self.measures[0] if self.measures else None

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)

    def item_values(self, signal: str) -> ItemValues | None:
        return next((i for i in self.items if i.signal == signal), None)
