"""Do the measured scores order the models as their ground truth does?

For models of known making (the zoo's students), an audit can be checked. Targets whose ground
truth names the same `series` and a numeric `fraction` form a graded series. Each score (every
RSE judge, ICE loose/strict/hard) is checked on it in two ways:

- Spearman's rank correlation between fraction and score, over the whole series;
- each adjacent pair of fraction levels, compared with a 95% interval on the score difference.
  The verdict is "agrees" when the interval lies above zero, "contradicts" when it lies below, and
  "tie" when it holds zero.

RSE differences are paired: both models answered the same prompts, so the bootstrap resamples
prompts within each domain. ICE differences are of two independent proportions, by Newcombe's
method on the two Wilson intervals. A tie is an honest answer: a student distilled from 10% of a
teacher's data can be indistinguishable from one distilled from none.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

import numpy as np
from scipy import stats

from distillscope.audit.results import ICE_RATES, AuditResults, TargetSummary
from distillscope.audit.rse.results import PairScore
from distillscope.stats import Estimate, rate_difference, stratified_bootstrap_mean_of_means

Verdict = Literal["agrees", "tie", "contradicts"]


@dataclass(frozen=True)
class PairVerdict:
    lower: str  # label of the model with the smaller fraction
    higher: str
    difference: float  # score(higher) - score(lower)
    low: float
    high: float

    @property
    def verdict(self) -> Verdict:
        if self.low > 0:
            return "agrees"
        if self.high < 0:
            return "contradicts"
        return "tie"


@dataclass
class TruthCheck:
    score: str
    series: str
    spearman: float | None
    pairs: list[PairVerdict] = field(default_factory=list)

    def count(self, verdict: Verdict) -> int:
        return sum(p.verdict == verdict for p in self.pairs)

    @property
    def consistent(self) -> bool:
        """No adjacent pair is significantly in the wrong order."""
        return self.count("contradicts") == 0


def series_of(summaries: Sequence[TargetSummary]) -> dict[str, list[TargetSummary]]:
    """Targets grouped by `ground_truth.series`, each group sorted by `ground_truth.fraction`."""
    groups: dict[str, list[TargetSummary]] = defaultdict(list)
    for summary in summaries:
        truth = summary.ground_truth or {}
        if "series" in truth and isinstance(truth.get("fraction"), int | float):
            groups[str(truth["series"])].append(summary)
    return {
        name: sorted(members, key=lambda s: s.ground_truth["fraction"])
        for name, members in groups.items()
        if len({m.ground_truth["fraction"] for m in members}) > 1
    }


def truth_checks(results: AuditResults, seed: int = 0) -> list[TruthCheck]:
    checks = []
    pairs_by_judge = _pair_scores(results.rse.pairs if results.rse is not None else [])
    for series, members in series_of(results.summary).items():
        fractions = [m.ground_truth["fraction"] for m in members]
        judges = list(dict.fromkeys(score.judge for m in members for score in m.rse))
        for judge in judges:
            averages = [next((s.average for s in m.rse if s.judge == judge), None) for m in members]
            check = TruthCheck(f"RSE {judge}", series, _spearman(fractions, averages))
            for a, b in pairwise(members):
                diff = _paired_rse_difference(pairs_by_judge.get(judge, {}), a.model, b.model, seed)
                if diff.n:
                    check.pairs.append(PairVerdict(a.label, b.label, diff.value, diff.low, diff.high))
            checks.append(check)
        if all(m.ice is not None for m in members):
            for rate in ICE_RATES:
                values = [m.ice.rate(rate).value if m.ice else None for m in members]
                check = TruthCheck(f"ICE {rate}", series, _spearman(fractions, values))
                for a, b in pairwise(members):
                    ra, rb = a.ice.rate(rate), b.ice.rate(rate)  # type: ignore[union-attr]
                    diff = rate_difference(rb.positives, rb.n, ra.positives, ra.n)
                    check.pairs.append(PairVerdict(a.label, b.label, diff.value, diff.low, diff.high))
                checks.append(check)
    return checks


def _spearman(fractions: Sequence[float], values: Sequence[float | None]) -> float | None:
    kept = [(f, v) for f, v in zip(fractions, values, strict=True) if v is not None and not math.isnan(v)]
    if len(kept) < 3 or len({v for _, v in kept}) < 2:
        return None
    rho = stats.spearmanr([f for f, _ in kept], [v for _, v in kept]).statistic
    return None if math.isnan(rho) else float(rho)


Scores = dict[str, dict[str, dict[str, float]]]  # label -> domain -> uid -> mean score over samples


def _pair_scores(pairs: Sequence[PairScore]) -> dict[str, Scores]:
    sums: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    for pair in pairs:
        if pair.role == "target" and pair.parsed and pair.score is not None:
            sums[(pair.judge, pair.label, pair.domain, pair.uid)].append(pair.score)
    out: dict[str, Scores] = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    for (judge, label, domain, uid), scores in sums.items():
        out[judge][label][domain][uid] = float(np.mean(scores))
    return out


def _paired_rse_difference(scores: Scores, lower: str, higher: str, seed: int) -> Estimate:
    """Mean over domains of the mean per-prompt difference; both models answered the same prompts."""
    diffs = []
    for domain, by_uid in scores.get(higher, {}).items():
        other = scores.get(lower, {}).get(domain, {})
        diffs.append([by_uid[uid] - other[uid] for uid in sorted(set(by_uid) & set(other))])
    return stratified_bootstrap_mean_of_means(diffs, seed=seed)
