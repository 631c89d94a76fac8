"""Estimates with uncertainty: every score the project reports carries a CI and its n.

Bootstrap percentile intervals for means of arbitrary scores, and Wilson intervals for rates
(which stay inside [0, 1] and behave at 0 and 1, where a bootstrap collapses to a point). The
differences between two models come in the same two kinds: paired score differences, resampled
within their strata, and Newcombe's interval for a difference of two rates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return {"value": self.value, "low": self.low, "high": self.high, "n": self.n}

    def __str__(self) -> str:
        if self.n == 0 or math.isnan(self.value):
            return "n/a"
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


NAN_ESTIMATE = Estimate(float("nan"), float("nan"), float("nan"), 0)


def bootstrap_mean(values: Sequence[float], confidence: float = 0.95, resamples: int = 2000, seed: int = 0) -> Estimate:
    data = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if data.size == 0:
        return NAN_ESTIMATE
    mean = float(data.mean())
    if data.size == 1 or np.all(data == data[0]):
        return Estimate(mean, mean, mean, int(data.size))
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, data.size, size=(resamples, data.size))
    means = data[draws].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Estimate(mean, float(low), float(high), int(data.size))


def mean_of_means(estimates: Sequence[Estimate]) -> float:
    """The unweighted mean of several estimates' values (the paper's overall score)."""
    values = [e.value for e in estimates if e.n > 0 and not math.isnan(e.value)]
    return float(np.mean(values)) if values else float("nan")


def wilson_rate(successes: int, total: int, confidence: float = 0.95) -> Estimate:
    if total <= 0:
        return NAN_ESTIMATE
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / total
    denom = 1 + z**2 / total
    centre = (p + z**2 / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z**2 / (4 * total**2)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == total else min(1.0, centre + half)
    return Estimate(p, low, high, total)


def stratified_bootstrap_mean_of_means(
    strata: Sequence[Sequence[float]], confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> Estimate:
    """The unweighted mean of the strata's means, resampling within each stratum (e.g. prompt domain)."""
    groups = [np.asarray(group, dtype=float) for group in strata if len(group)]
    if not groups:
        return NAN_ESTIMATE
    estimate = float(np.mean([group.mean() for group in groups]))
    rng = np.random.default_rng(seed)
    draws = np.mean([g[rng.integers(0, g.size, size=(resamples, g.size))].mean(axis=1) for g in groups], axis=0)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return Estimate(estimate, float(low), float(high), sum(group.size for group in groups))


def rate_difference(successes_a: int, total_a: int, successes_b: int, total_b: int) -> Estimate:
    """p_a - p_b with Newcombe's hybrid score interval, built from the two Wilson intervals."""
    a, b = wilson_rate(successes_a, total_a), wilson_rate(successes_b, total_b)
    if a.n == 0 or b.n == 0:
        return Estimate(float("nan"), float("-inf"), float("inf"), 0)
    diff = a.value - b.value
    low = diff - math.sqrt((a.value - a.low) ** 2 + (b.high - b.value) ** 2)
    high = diff + math.sqrt((a.high - a.value) ** 2 + (b.value - b.low) ** 2)
    return Estimate(diff, low, high, a.n + b.n)
