"""Fewer queries: stop asking a target once its verdict is decided, with a test that allows it.

ICE asks a target hundreds of jailbreak-wrapped identity questions (the paper spends 1000). Most
targets decide far sooner: a model that keeps claiming the reference's identity, or one that never
does. Wald's sequential probability ratio test of the strict-claim rate decides between

    H0: rate = p0, the null panel's rate (its beta null's upper 95% quantile, so H0 covers it), and
    H1: rate = p1 = p0 + the smallest gain that matters,

after each batch of answers: stop for H1 when the likelihood ratio passes (1 − β)/α, for H0 when it
falls under β/(1 − α), and go on otherwise. Its error rates hold however early it stops, and the
likelihood ratio is a test martingale under H0, so 1 / (its largest value so far) is a p-value
that stays valid under optional stopping (Ville's inequality); that is what the verdict combines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from distillscope.audit.verdict.nulls import BetaNull, beta_null
from distillscope.audit.verdict.settings import VerdictSettings

Decision = Literal["distilled", "not distilled"]


@dataclass(frozen=True)
class SequentialTest:
    p0: float
    p1: float
    alpha: float = 0.05
    beta: float = 0.05

    @classmethod
    def from_null(cls, null: BetaNull, min_gain: float, alpha: float, beta: float) -> SequentialTest:
        from scipy import stats

        p0 = float(stats.beta.ppf(0.95, null.alpha, null.beta))
        return cls(p0=p0, p1=min(0.99, p0 + min_gain), alpha=alpha, beta=beta)

    def log_ratio(self, outcome: float) -> float:
        if outcome >= 0.5:
            return math.log(self.p1 / self.p0)
        return math.log((1 - self.p1) / (1 - self.p0))

    def run(self, outcomes: Sequence[float]) -> tuple[Decision | None, int, float]:
        """The decision (None: keep asking), the outcomes it used, and the anytime-valid p-value."""
        upper, lower = math.log((1 - self.beta) / self.alpha), math.log(self.beta / (1 - self.alpha))
        total, best = 0.0, 0.0
        for used, outcome in enumerate(outcomes, start=1):
            total += self.log_ratio(outcome)
            best = max(best, total)
            if total >= upper:
                return "distilled", used, min(1.0, math.exp(-best))
            if total <= lower:
                return "not distilled", used, min(1.0, math.exp(-best))
        return None, len(outcomes), min(1.0, math.exp(-best))


@dataclass(frozen=True)
class StopEarly:
    """The verdict's sequential test as data collection may use it: decided once, from the verdict's
    settings, by whoever resolves the audit, so a collecting method reads the rule and not the settings."""

    min_gain: float
    alpha: float
    beta: float

    @classmethod
    def of(cls, settings: VerdictSettings) -> StopEarly:
        return cls(settings.min_rate_gain, settings.alpha, settings.beta)

    def test(self, panel_counts: Sequence[tuple[int, int]]) -> SequentialTest:
        """The test of a target's strict-claim rate against the panel's, (claims, answers) per panel model:
        the one place it is built, for ICE's early stop, the verdict's anytime p-value and the benches."""
        return SequentialTest.from_null(beta_null(panel_counts), self.min_gain, self.alpha, self.beta)


def stop_early(settings: VerdictSettings) -> StopEarly | None:
    """The rule a collecting method may stop early by: none unless the verdict is sequential."""
    return StopEarly.of(settings) if settings.sequential else None


def sequential_test(panel_counts: Sequence[tuple[int, int]], settings: VerdictSettings) -> SequentialTest:
    """The verdict's test on these panel counts (`StopEarly.test`, with the verdict's settings)."""
    return StopEarly.of(settings).test(panel_counts)


def outcome_counts(outcomes: Sequence[float]) -> tuple[int, int]:
    """(successes, trials) of a model's 0/1 outcomes: a panel model's entry in `sequential_test`."""
    return round(sum(outcomes)), len(outcomes)
