"""What a run's calls cost, per model: a typed record that adds.

One `ModelUsage` per model counts what a run called, what the store answered and the tokens and
cost of each. Stage totals, audit totals and the report's usage tables are all sums of these, so
summing is one `+` rather than a loop over dictionary keys in every place that shows usage. A cost
is unknown (None) when any part of the sum was unpriced: a partial sum would read as the whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from distillscope.models.config import Price

_COUNTS = (
    "calls",
    "cached",
    "errors",
    "retries",
    "prompt_tokens",
    "completion_tokens",
    "cached_prompt_tokens",
    "cached_completion_tokens",
)


class ModelUsage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str
    calls: int = 0
    cached: int = 0
    errors: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    cached_completion_tokens: int = 0
    cost_usd: float | None = 0.0
    saved_usd: float | None = 0.0

    @classmethod
    def priced(cls, model: str, price: Price | None) -> ModelUsage:
        """Usage of a model whose price is known, or unknown (None): then so is every cost."""
        unknown = price is None
        return cls(model=model, cost_usd=None if unknown else 0.0, saved_usd=None if unknown else 0.0)

    def count_call(self, prompt_tokens: int, completion_tokens: int, price: Price | None, calls: int = 1) -> None:
        self.calls += calls
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        if price is not None:
            self.cost_usd = price.cost(self.prompt_tokens, self.completion_tokens)

    def count_hit(self, prompt_tokens: int, completion_tokens: int, price: Price | None, hits: int = 1) -> None:
        self.cached += hits
        self.cached_prompt_tokens += prompt_tokens
        self.cached_completion_tokens += completion_tokens
        if price is not None:
            self.saved_usd = price.cost(self.cached_prompt_tokens, self.cached_completion_tokens)

    def __getitem__(self, key: str) -> Any:
        """Read like the JSON record it is written as (`usage["calls"]`), so files and objects agree."""
        if key not in type(self).model_fields:
            raise KeyError(key)
        return getattr(self, key)

    def __add__(self, other: ModelUsage) -> ModelUsage:
        counts = {name: getattr(self, name) + getattr(other, name) for name in _COUNTS}
        return ModelUsage(
            model=self.model if self.model == other.model else f"{self.model} + {other.model}",
            cost_usd=_add_cost(self.cost_usd, other.cost_usd),
            saved_usd=_add_cost(self.saved_usd, other.saved_usd),
            **counts,
        )


def _add_cost(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


def total_by_model(usages: Iterable[ModelUsage]) -> list[ModelUsage]:
    """One record per model, in first-seen order, summed over every stage it appeared in."""
    totals: dict[str, ModelUsage] = {}
    for usage in usages:
        totals[usage.model] = totals[usage.model] + usage if usage.model in totals else usage.model_copy()
    return list(totals.values())
