"""From many p-values to one verdict: dependent signals combined, many targets corrected.

The signals of one target are far from independent (three judges read the same responses; RSE and
ICE both look at one model), so Fisher's method would overstate the evidence. The Cauchy
combination (Liu and Xie 2020) stays valid under arbitrary dependence for small p-values, the range
a verdict is decided in: T = mean of tan((0.5 − p_i)·π), p = 0.5 − arctan(T)/π. Combining first
within a method and then across methods gives each method one vote, however many judges it has.

A p-value near 1 is the one weakness: tan is unbounded there too, so one method that sees nothing
(ICE on a model scrubbed of identity talk, whose anytime p is exactly 1; RSE's plain similarity on
a weak student of a strong teacher) would outvote every other method however strong. A cap at 0.99
still let a blind method subtract 32 from a mean that needs about 6 to reach α = 0.05, so with two
methods a p of 0.01 and a p of 0.99 combined to 0.5, and on real models the verdict lost much of
its power to the methods that see least. So the combination is truncated: each p is capped at 0.5
before its vote (tan(0) = 0), and a signal that finds nothing casts no vote against the others; it
only fails to add to them. The truncation leaves the tail, which decides small p-values, as it was:
the combined p stays near its nominal size for dependent signals, and independent ones, its worst
case, drift a little above it (simulated with uniform nulls: 0.053 at α = 0.05 for two signals,
0.056 for three, 0.058 for six; within 0.0005 of 0.01 at α = 0.01). `bench/validity.py` and
`bench/realworld.py` measure the false-positive rate on known negatives with it in place.

Across targets, Holm's step-down procedure controls the family-wise error: the chance that any
undistilled target is called distilled stays at most α, however many are audited.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

EPSILON = 1e-15  # p-values are clipped above 0: tan is infinite there
HIGHEST_P = 0.5  # and truncated: a signal that finds nothing casts no vote against the others


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
