"""Do the measured scores order the models as their ground truth does?

For models of known making (the zoo's students), an audit can be checked. Targets whose ground
truth names the same `series` and a numeric `fraction` form a graded series. Every measure of every
method (each RSE judge, ICE loose/strict/hard, ...) is checked on it in two ways:

- Spearman's rank correlation between fraction and score, over the whole series;
- each adjacent pair of fraction levels, compared with a 95% interval on the score difference.
  The verdict is "agrees" when the interval lies above zero, "contradicts" when it lies below, and
  "tie" when it holds zero.

The difference is computed from the per-item evidence. Scores of items every model answered (RSE's
prompts) are paired: the bootstrap resamples items within each group (domain). Binary outcomes of
items that differ between models (ICE's queries) are two independent proportions, compared by
Newcombe's method on the two Wilson intervals. A tie is an honest answer: a student distilled from
10% of a teacher's data can be indistinguishable from one distilled from none.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from scipy import stats

from distillscope.audit.evidence import Evidence, ItemValues
from distillscope.audit.method import METHODS, verdict_signals, voting_methods
from distillscope.audit.resolve import AuditedModel
from distillscope.audit.results import AuditResults
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
    # Whether the verdict tests this measure. ICE's loose rate counts claims of any other identity,
    # invented names included, and is not expected to follow the reference's share: it is shown,
    # but a reversal there does not say the audit ranks the series wrongly.
    decides: bool = True

    def count(self, verdict: Verdict) -> int:
        return sum(p.verdict == verdict for p in self.pairs)

    @property
    def consistent(self) -> bool:
        """No adjacent pair is significantly in the wrong order."""
        return self.count("contradicts") == 0


def series_of(targets: Sequence[AuditedModel]) -> dict[str, list[AuditedModel]]:
    """Targets grouped by `ground_truth.series`, each group sorted by `ground_truth.fraction`."""
    groups: dict[str, list[AuditedModel]] = defaultdict(list)
    for target in targets:
        truth = target.ground_truth or {}
        if "series" in truth and isinstance(truth.get("fraction"), int | float):
            groups[str(truth["series"])].append(target)
    return {
        name: sorted(members, key=lambda t: t.ground_truth["fraction"])  # type: ignore[index]
        for name, members in groups.items()
        if len({m.ground_truth["fraction"] for m in members}) > 1  # type: ignore[index]
    }


def truth_checks(results: AuditResults, seed: int = 0) -> list[TruthCheck]:
    checks = []
    voting = voting_methods(results.methods, (results.job.get("verdict") or {}).get("methods"))
    for series, members in series_of(results.targets).items():
        fractions = [m.ground_truth["fraction"] for m in members]  # type: ignore[index]
        for method in results.methods:
            evidence = [results.evidence_of(method, m.model) for m in members]
            if any(e is None for e in evidence):
                continue
            short = METHODS.get(method).short if method in METHODS else method.upper()
            names = list(dict.fromkeys(m.name for e in evidence if e is not None for m in e.measures))
            tested = set(verdict_signals(method, evidence[0])) if method in METHODS else set(names)
            if method not in voting:
                tested = set()
            for name in names:
                values = [_value(e, name) for e in evidence]
                check = TruthCheck(f"{short} {name}", series, _spearman(fractions, values), decides=name in tested)
                for (a, ea), (b, eb) in pairwise(zip(members, evidence, strict=True)):
                    diff = item_difference(ea, eb, name, seed)  # type: ignore[arg-type]
                    if diff is not None and diff.n:
                        check.pairs.append(PairVerdict(a.label, b.label, diff.value, diff.low, diff.high))
                checks.append(check)
    return checks


def _value(evidence: Evidence | None, name: str) -> float | None:
    measure = evidence.measure(name) if evidence is not None else None
    return measure.value if measure is not None else None


def _spearman(fractions: Sequence[float], values: Sequence[float | None]) -> float | None:
    kept = [(f, v) for f, v in zip(fractions, values, strict=True) if v is not None and not math.isnan(v)]
    if len(kept) < 3 or len({v for _, v in kept}) < 2:
        return None
    rho = stats.spearmanr([f for f, _ in kept], [v for _, v in kept]).statistic
    return None if math.isnan(rho) else float(rho)


def item_difference(lower: Evidence, higher: Evidence, signal: str, seed: int = 0) -> Estimate | None:
    """score(higher) − score(lower) with a 95% interval, from the two models' per-item values."""
    a, b = lower.item_values(signal), higher.item_values(signal)
    if a is None or b is None:
        return None
    if a.kind == "binary" or b.kind == "binary":
        return rate_difference(int(sum(b.values)), len(b.values), int(sum(a.values)), len(a.values))
    return paired_difference(a, b, seed)


def paired_difference(lower: ItemValues, higher: ItemValues, seed: int = 0) -> Estimate:
    """Mean over groups of the mean per-item difference, over the items both models have."""
    other = lower.by_group()
    diffs = [
        [by_id[item] - other.get(group, {})[item] for item in sorted(set(by_id) & set(other.get(group, {})))]
        for group, by_id in higher.by_group().items()
    ]
    return stratified_bootstrap_mean_of_means(diffs, seed=seed)
