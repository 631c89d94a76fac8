"""From many p-values to one verdict: dependent signals combined, many targets corrected.

The signals of one target are far from independent (three judges read the same responses; RSE and
ICE both look at one model), so Fisher's method would overstate the evidence. The Cauchy
combination (Liu and Xie 2020) stays valid under arbitrary dependence for small p-values, the range
a verdict is decided in: T = mean of tan((0.5 − p_i)·π), p = 0.5 − arctan(T)/π. Combining first
within a method and then across methods gives each method one vote, however many judges it has.

A p-value near 1 is the one weakness: tan is unbounded there too, so one method that sees nothing
(ICE on a model scrubbed of identity talk, whose anytime p is exactly 1) would veto every other
method however strong. Each p is therefore capped at 0.99 (a vote of at least tan(−0.49π) ≈ −32)
before combining: a signal that finds nothing still pulls the verdict down, but cannot cancel the
rest. The cap can only lower the combined p, and only when a p passes 0.99 (1% of null draws per
signal); `bench/validity.py` measures the false-positive rate and uniformity with it in place.

Across targets, Holm's step-down procedure controls the family-wise error: the chance that any
undistilled target is called distilled stays at most α, however many are audited.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

EPSILON = 1e-15  # p-values are clipped above 0: tan is infinite there
HIGHEST_P = 0.99  # and capped below 1, so that no single signal has an infinite veto


def cauchy_combination(p_values: Sequence[float], weights: Sequence[float] | None = None) -> float:
    ps = [min(max(p, EPSILON), HIGHEST_P) for p in p_values if not math.isnan(p)]
    if not ps:
        return math.nan
    if weights is None:
        weights = [1.0] * len(ps)
    total = sum(weights)
    statistic = sum(w / total * math.tan((0.5 - p) * math.pi) for w, p in zip(weights, ps, strict=True))
    if statistic > 1e15:  # arctan's tail: 1/(πT) without losing it to rounding
        return min(1.0, 1 / (math.pi * statistic))
    return min(1.0, max(0.0, 0.5 - math.atan(statistic) / math.pi))


def holm(p_values: Mapping[str, float]) -> dict[str, float]:
    """Holm-adjusted p-values: reject every name whose adjusted p is at most α."""
    ordered = sorted((p, name) for name, p in p_values.items() if not math.isnan(p))
    m = len(ordered)
    adjusted: dict[str, float] = {}
    running = 0.0
    for rank, (p, name) in enumerate(ordered):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[name] = running
    adjusted.update({name: math.nan for name, p in p_values.items() if math.isnan(p)})
    return adjusted
