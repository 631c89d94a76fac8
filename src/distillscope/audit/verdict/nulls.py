"""Is a target more like the reference than models known not to be distilled from it?

A null panel of unrelated models gives the null distribution of every signal. Two kinds of signal,
two tests, each one-sided ("more reference-like than the panel"):

Scores of items every model answered (RSE's prompts): a random-effects prediction test. Each model
has an effect, its mean score over the items all of them answered (per group, then the unweighted
mean of the groups, as RSE averages its domains). Unrelated models differ among themselves, and
their effects are taken to be draws from one normal population; under the null the target is one
more draw. With k panel effects of mean m and standard deviation s, t = (target − m) /
(s·√(1 + 1/k)) follows Student's t with k − 1 degrees of freedom. The pairing by prompt is kept by
computing every effect on the same items, so prompt difficulty, which all models share, cancels;
and the between-model spread already holds each effect's sampling noise, since the panel's effects
are measured on the same number of items as the target's. A permutation over prompts would instead
test "the target differs from these particular models", which two unrelated models always do.

Rates of binary outcomes (ICE's strict claims, over queries that differ between models): a
beta-binomial. The panel's claims give a beta distribution of rates: its mean is the pooled rate
with a Jeffreys half-count on each side (so a panel that never claimed still allows a small rate),
and its spread is the excess of the panel rates' variance over the binomial noise (method of
moments); with no excess the beta is as tight as the pooled counts. The p-value is the chance of at
least the target's count under that beta-binomial, randomised within its own count (P(X > x) +
U·P(X = x), U uniform and seeded by the target), which makes a discrete p-value exactly uniform
under the null instead of piling at 1.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from distillscope.audit.evidence import ItemValues, Panel


@dataclass(frozen=True)
class NullTest:
    """One signal's test of one target against the panel."""

    signal: str
    kind: str  # "score" or "binary"
    statistic: float  # t for scores; the target's rate for binary signals
    p_value: float
    target: float  # the target's effect (mean score) or rate
    null_mean: float  # the panel's mean effect or pooled rate
    null_spread: float  # the panel's standard deviation of effects, or of rates
    panel: int  # panel members the test used
    items: int  # items the target's effect or rate is over

    def as_dict(self) -> dict[str, float | int | str]:
        return dict(self.__dict__)


def common_items(values: Sequence[ItemValues]) -> list[str]:
    """Items every model answered: the ids present in each."""
    shared = set(values[0].ids)
    for v in values[1:]:
        shared &= set(v.ids)
    return sorted(shared)


def effect(values: ItemValues, items: Sequence[str]) -> float:
    """Mean over groups of the mean value of the given items (groups weigh equally, as RSE's domains do)."""
    wanted = set(items)
    by_group: dict[str, list[float]] = {}
    for index, item in enumerate(values.ids):
        if item in wanted:
            group = values.groups[index] if values.groups else ""
            by_group.setdefault(group, []).append(values.values[index])
    means = [sum(v) / len(v) for v in by_group.values() if v]
    return sum(means) / len(means) if means else float("nan")


def prediction_t(
    target: float, panel: Sequence[float], higher_is_closer: bool = True, floor: float = 0.0
) -> tuple[float, float]:
    """(t, one-sided p) of one new draw against k earlier draws of a normal population.

    `floor` stands in for a spread of zero (a panel that scored exactly alike, as untrained models
    all agreeing on nothing do): the target's own standard error, so that a sliver of difference
    is not called infinitely significant."""
    k = len(panel)
    if not Panel.enough(k):
        raise ValueError("a prediction test needs at least two panel models")
    mean, spread = float(np.mean(panel)), float(np.std(panel, ddof=1))
    spread = spread if spread > 0 else floor
    sign = 1.0 if higher_is_closer else -1.0
    if spread == 0.0:
        difference = sign * (target - mean)
        return (math.inf if difference > 0 else -math.inf if difference < 0 else 0.0), (
            0.0 if difference > 0 else 1.0 if difference < 0 else 0.5
        )
    t = sign * (target - mean) / (spread * math.sqrt(1 + 1 / k))
    return t, float(stats.t.sf(t, df=k - 1))


def score_test(signal: str, target: ItemValues, panel: Sequence[ItemValues], higher_is_closer: bool = True) -> NullTest:
    items = common_items([target, *panel])
    if not items:
        raise ValueError(f"{signal}: the target and the panel share no item")
    effects = [effect(p, items) for p in panel]
    own = effect(target, items)
    values = [v for i, v in zip(target.ids, target.values, strict=True) if i in set(items)]
    floor = float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0
    t, p = prediction_t(own, effects, higher_is_closer, floor)
    return NullTest(
        signal, "score", t, p, own, float(np.mean(effects)), float(np.std(effects, ddof=1)), len(panel), len(items)
    )


# ----------------------------------------------------------------------------------------- binary
@dataclass(frozen=True)
class BetaNull:
    alpha: float
    beta: float

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


def beta_null(counts: Sequence[tuple[int, int]]) -> BetaNull:
    """The panel's rates as a beta distribution: (positives, trials) per panel model."""
    positives = sum(x for x, _ in counts)
    trials = sum(n for _, n in counts)
    mean = (positives + 0.5) / (trials + 1.0)
    rates = [x / n for x, n in counts if n > 0]
    pooled_strength = trials + 1.0
    strength = pooled_strength
    if len(rates) >= 2:
        observed = float(np.var(rates, ddof=1))
        binomial = mean * (1 - mean) * float(np.mean([1 / n for _, n in counts if n > 0]))
        excess = observed - binomial
        if excess > 0:
            strength = min(pooled_strength, max(1.0, mean * (1 - mean) / excess - 1))
    return BetaNull(mean * strength, (1 - mean) * strength)


def unit_draw(*keys: str) -> float:
    """A uniform number in (0, 1) fixed by its keys: randomised p-values that a rerun reproduces."""
    digest = hashlib.sha256("\x1f".join(keys).encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") + 0.5) / 2**64


def binary_test(signal: str, target: ItemValues, panel: Sequence[ItemValues], seed_key: str = "") -> NullTest:
    counts = [(round(sum(p.values)), len(p.values)) for p in panel]
    null = beta_null(counts)
    x, n = round(sum(target.values)), len(target.values)
    if n == 0:
        return NullTest(signal, "binary", math.nan, 1.0, math.nan, null.mean, 0.0, len(panel), 0)
    law = stats.betabinom(n, null.alpha, null.beta)
    above, at = float(law.sf(x)), float(law.pmf(x))
    p = above + unit_draw(seed_key, signal) * at
    rates = [c / t for c, t in counts if t > 0]
    spread = float(np.std(rates, ddof=1)) if len(rates) > 1 else 0.0
    return NullTest(signal, "binary", x / n, min(1.0, max(p, 0.0)), x / n, null.mean, spread, len(panel), n)


def null_test(
    signal: str,
    target: ItemValues,
    panel: Sequence[ItemValues],
    higher_is_closer: bool = True,
    seed_key: str = "",
) -> NullTest:
    if target.kind == "binary":
        return binary_test(signal, target, panel, seed_key)
    return score_test(signal, target, panel, higher_is_closer)
