"""Dry runs: how many calls a job will make, how many the store already holds, what the rest cost.

Token counts are estimates from text length (a token is about four characters of English and
about one CJK character); they are labelled as estimates wherever they are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from distillscope.models.config import Price
from distillscope.models.types import Message


def estimate_tokens(text: str) -> int:
    cjk = sum(1 for ch in text if "\u3000" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")
    return max(1, round((len(text) - cjk) / 4) + cjk)


def mean_tokens(texts: Sequence[str]) -> int:
    return round(sum(estimate_tokens(t) for t in texts) / len(texts)) if texts else 0


def message_text(messages: Sequence[Message]) -> str:
    """What a request's size is estimated from: its turns' text, without roles or template tokens."""
    return "\n".join(m.content for m in messages)


@dataclass
class CallPlan:
    """Planned calls for one model in one role (e.g. 'target responses', 'judge')."""

    model: str
    role: str
    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    price: Price | None = None

    def add(self, prompt_text: str, max_completion_tokens: int, cached: bool = False) -> None:
        self.add_tokens(estimate_tokens(prompt_text), max_completion_tokens, cached)

    def add_tokens(self, prompt_tokens: int, max_completion_tokens: int, cached: bool = False) -> None:
        """For a request whose text is not known yet, only its estimated size."""
        self.calls += 1
        if cached:
            self.cached += 1
            return
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += max_completion_tokens

    @property
    def new_calls(self) -> int:
        return self.calls - self.cached

    @property
    def cost_usd(self) -> float | None:
        return None if self.price is None else self.price.cost(self.prompt_tokens, self.completion_tokens)


def merge_by_model(plans: Iterable[CallPlan]) -> list[CallPlan]:
    """One plan per model, over every role it plays (what a per-model total shows)."""
    return _merged(plans, lambda plan: (plan.model, "all"))


def merge_plans(plans: Iterable[Iterable[CallPlan]]) -> list[CallPlan]:
    """Several plans' rows as one, a row per model and role (for runs that plan their requests apart)."""
    return _merged((p for group in plans for p in group), lambda plan: (plan.model, plan.role))


def _merged(plans: Iterable[CallPlan], key: Callable[[CallPlan], tuple[str, str]]) -> list[CallPlan]:
    merged: dict[tuple[str, str], CallPlan] = {}
    for plan in plans:
        model, role = key(plan)
        total = merged.setdefault((model, role), CallPlan(model=model, role=role, price=plan.price))
        total.calls += plan.calls
        total.cached += plan.cached
        total.prompt_tokens += plan.prompt_tokens
        total.completion_tokens += plan.completion_tokens
    return list(merged.values())


def total_cost(plans: Iterable[CallPlan]) -> float | None:
    """Unknown when any model that will be called has no price: a partial sum would read as the whole."""
    costs = [plan.cost_usd for plan in plans if plan.new_calls]
    return None if any(cost is None for cost in costs) else sum(cost for cost in costs if cost is not None)
