"""How far similarity judges can be trusted: agreement between judges, and with themselves.

The paper relies on one judge. Two cheap checks tell a reader how much that matters:

- between judges: rank correlations (Spearman, Kendall) of their scores on the same pairs. Judges
  on different scales are comparable this way, since only the order of the scores counts;
- within an LLM judge: whether swapping which response is shown first changes its rating
  (order consistency), and in which direction on average (position bias).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from itertools import combinations

from pydantic import BaseModel, Field
from scipy import stats as scipy_stats

from distillscope.judges.base import Judgment


class JudgeAgreement(BaseModel):
    judge_a: str
    judge_b: str
    n: int = Field(description="Pairs both judges scored.")
    spearman: float | None = Field(description="Spearman rank correlation; None when undefined.")
    kendall: float | None = Field(description="Kendall's tau-b; None when undefined.")


class OrderConsistency(BaseModel):
    judge: str
    n: int = Field(description="Pairs read in both presentation orders.")
    exact_agreement: float = Field(description="Share of pairs rated the same in both orders.")
    mean_abs_diff: float = Field(description="Mean |rating(reference first) - rating(target first)|.")
    position_bias: float = Field(
        description="Mean rating(reference first) - rating(target first); 0 means no preference for a position."
    )
    spearman: float | None = Field(description="Rank correlation between the two orders' ratings.")


def _defined(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def rank_correlations(a: Sequence[float], b: Sequence[float]) -> tuple[float | None, float | None]:
    """(Spearman, Kendall); None when there are fewer than 3 points or either side is constant."""
    if len(a) < 3 or len(set(a)) < 2 or len(set(b)) < 2:
        return None, None
    return _defined(scipy_stats.spearmanr(a, b).statistic), _defined(scipy_stats.kendalltau(a, b).statistic)


def judge_agreement(scores: Mapping[str, Mapping[Hashable, float]]) -> list[JudgeAgreement]:
    """Every pair of judges, correlated over the items both scored."""
    out = []
    for name_a, name_b in combinations(scores, 2):
        common = [key for key in scores[name_a] if key in scores[name_b]]
        a = [scores[name_a][k] for k in common]
        b = [scores[name_b][k] for k in common]
        spearman, kendall = rank_correlations(a, b)
        out.append(JudgeAgreement(judge_a=name_a, judge_b=name_b, n=len(common), spearman=spearman, kendall=kendall))
    return out


def order_consistency(judge: str, judgments: Sequence[Judgment]) -> OrderConsistency | None:
    """From LLM judgments holding both orders' ratings in `details`; None if no pair has both."""
    both = [
        (j.details["score_reference_first"], j.details["score_target_first"])
        for j in judgments
        if j.details.get("score_reference_first") is not None and j.details.get("score_target_first") is not None
    ]
    if not both:
        return None
    diffs = [first - second for first, second in both]
    spearman, _ = rank_correlations([p[0] for p in both], [p[1] for p in both])
    return OrderConsistency(
        judge=judge,
        n=len(both),
        exact_agreement=sum(d == 0 for d in diffs) / len(diffs),
        mean_abs_diff=sum(abs(d) for d in diffs) / len(diffs),
        position_bias=sum(diffs) / len(diffs),
        spearman=spearman,
    )
