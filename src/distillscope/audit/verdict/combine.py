"""From many p-values to one verdict: dependent signals combined, many targets corrected.

The signals of one target are far from independent (three judges read the same responses; the
classifier and proximity read the same answers), so Fisher's method would overstate the evidence.
They are combined by Simes' test: with the m p-values sorted, p = min over i of m·p₍ᵢ₎ / i.

Why Simes, after a study of the alternatives on the zoo and on published answers of real chat
models (`bench/validity.py`, `bench/realworld.py`):

- it is exact at both ends of dependence: uniform under the null when the signals are independent,
  and equal to their common p-value when they are identical; in between, for the positively
  dependent one-sided tests an audit makes (every signal rises as a model comes closer to the
  reference, on the same answers), it is valid and somewhat conservative (Sarkar 1998; Benjamini and
  Yekutieli 2001, positive regression dependence);
- a signal that sees nothing cannot veto the others: a p of 1 only takes the last rank. The Cauchy
  combination used before does not have this: tan((0.5 − p)π) is unbounded near p = 1 too, so one
  blind method (ICE on a student scrubbed of identity talk, plain similarity on a weak student of a
  strong teacher) pulled the mean down by as much as strong ones pushed it up; a p of 0.01 and a p of
  0.99 combined to 0.5. Capping or truncating p before the transform removed the veto but left the
  combined p-value off the uniform law (a point mass at 0.5, or a bulk shifted low), and its size
  above nominal for independent signals (0.053 to 0.058 at α = 0.05);
- it still adds up several moderate signals: three signals at 0.03 combine to 0.03, two at 0.01
  and one blind to 0.015;
- an alternative that pools the signals before testing did worse on real models: the
  mean of each signal's panel-standardised effect, tested by t(k − 1) against the panel members'
  leave-one-out means. On the development half of the published answers (400 prompts, panel of
  8; 24 verdicts on the 12 ChatGPT-trained models, 19 on undistilled ones) it called 1 of 24
  distilled where Simes calls 11, both with no false positive (model AUC 0.83 against 0.84).
  The signals rise and fall together across real models, since a model that writes like the
  reference does so in every signal, so pooling them removes little of the spread between
  unrelated models that limits the test, while the leave-one-out null is wider than the target's.

Combining first within a method and then across methods gives each method one vote, however many
signals it has. Across targets, Holm's step-down procedure controls the family-wise error: the
chance that any undistilled target is called distilled stays at most α, however many are audited.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def simes(p_values: Sequence[float]) -> float:
    """Simes' combined p-value of the given p-values (NaN ones left out; NaN when none is left)."""
    ps = sorted(min(max(p, 0.0), 1.0) for p in p_values if not math.isnan(p))
    if not ps:
        return math.nan
    m = len(ps)
    return min(1.0, min(m * p / rank for rank, p in enumerate(ps, start=1)))


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
