"""From judgments to the paper's numbers: per-domain means with CIs, the average, and examples.

A prompt's score is the mean of its samples' readable judgments, so n is the number of prompts and
the bootstrap resamples prompts, not samples of one prompt. Unreadable judgments and pairs lost to
failed responses are excluded from the means and counted beside them. The overall score is the
unweighted mean of the domain means, as in the paper, so a large domain does not dominate.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from statistics import median
from typing import Any

from distillscope.audit.rse.judging import PairRef
from distillscope.audit.rse.prompts import RSEItem
from distillscope.audit.rse.responses import Respondent, ResponseKey
from distillscope.audit.rse.results import Example, ExampleJudgment, PairScore, ScoreCell, ScoreRow
from distillscope.judges.base import Judgment
from distillscope.stats import NAN_ESTIMATE, Estimate, bootstrap_mean, mean_of_means

ROW_ORDER = {"target": 0, "ceiling": 1, "floor": 2}

Judged = list[tuple[PairRef, Judgment]]


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value


def _estimate(cell: ScoreCell) -> Estimate:
    if cell.value is None or cell.low is None or cell.high is None:
        return NAN_ESTIMATE
    return Estimate(cell.value, cell.low, cell.high, cell.n)


def score_cell(judged: Judged, expected_pairs: int) -> ScoreCell:
    per_item: dict[str, list[float]] = defaultdict(list)
    unparseable = 0
    for ref, judgment in judged:
        if judgment.parsed and judgment.score is not None:
            per_item[ref.uid].append(judgment.score)
        else:
            unparseable += 1
    estimate = bootstrap_mean([sum(v) / len(v) for v in per_item.values()])
    return ScoreCell(
        value=_finite(estimate.value),
        low=_finite(estimate.low),
        high=_finite(estimate.high),
        n=estimate.n,
        pairs=sum(len(v) for v in per_item.values()),
        unparseable=unparseable,
        missing=max(0, expected_pairs - len(judged)),
    )


def score_rows(respondents: Sequence[Respondent], items: Sequence[RSEItem], judged: Judged) -> list[ScoreRow]:
    """One row per non-reference respondent: targets first, then the ceiling, then the floor."""
    domains = list(dict.fromkeys(i.domain for i in items))
    items_in = {d: sum(1 for i in items if i.domain == d) for d in domains}
    grouped: dict[tuple[str, str, str], Judged] = defaultdict(list)
    for ref, judgment in judged:
        grouped[(ref.role, ref.label, ref.domain)].append((ref, judgment))
    rows = []
    for respondent in sorted((r for r in respondents if r.role != "reference"), key=lambda r: ROW_ORDER.get(r.role, 3)):
        cells = {
            d: score_cell(grouped[(respondent.role, respondent.label, d)], items_in[d] * len(respondent.sample_indices))
            for d in domains
        }
        average = mean_of_means([_estimate(c) for c in cells.values()])
        rows.append(
            ScoreRow(
                label=respondent.label,
                role=respondent.role,
                spec=respondent.spec,
                cells=cells,
                average=_finite(average),
            )
        )
    return rows


def pair_scores(judged: Judged) -> list[PairScore]:
    return [
        PairScore(
            judge=j.judge,
            role=ref.role,
            label=ref.label,
            domain=ref.domain,
            uid=ref.uid,
            sample_index=ref.sample_index,
            score=j.score,
            parsed=j.parsed,
            reason=j.reason,
            details=_without_raw(j.details),
        )
        for ref, j in judged
    ]


def _without_raw(details: dict[str, Any]) -> dict[str, Any]:
    """Pair records leave out the judge's raw replies (they are in judgments.jsonl): rse.json stays small."""
    orders = details.get("orders")
    if not isinstance(orders, dict):
        return details
    lean = {order: {k: v for k, v in verdict.items() if k != "raw"} for order, verdict in orders.items()}
    return {**details, "orders": lean}


def scores_by_key(judged: Judged) -> dict[Hashable, float]:
    return {ref.key: j.score for ref, j in judged if j.parsed and j.score is not None}


def pick_examples(
    pairs: Sequence[PairRef], by_judge: dict[str, dict[ResponseKey, Judgment]], per_cell: int
) -> list[Example]:
    """Per row and domain, the least, the most and the median similar pairs by the first judge."""
    if per_cell <= 0 or not by_judge:
        return []
    primary = by_judge[next(iter(by_judge))]
    cells: dict[tuple[str, str, str], list[PairRef]] = defaultdict(list)
    for ref in pairs:
        cells[(ref.role, ref.label, ref.domain)].append(ref)
    examples = []
    for refs in cells.values():
        scored = sorted(
            (r for r in refs if primary.get(r.key) is not None and primary[r.key].score is not None),
            key=lambda r: (primary[r.key].score, r.uid),
        )
        for ref in _spread(scored, per_cell):
            examples.append(_example(ref, by_judge))
    return examples


def _spread(ordered: list[PairRef], k: int) -> list[PairRef]:
    """Lowest, highest, then the median, then evenly between: up to k distinct entries."""
    if len(ordered) <= k:
        return ordered
    picks = [0, len(ordered) - 1, int(median(range(len(ordered))))]
    step = max(1, len(ordered) // (k + 1))
    picks += list(range(step, len(ordered), step))
    chosen = list(dict.fromkeys(picks))[:k]
    return [ordered[i] for i in sorted(chosen)]


def _example(ref: PairRef, by_judge: dict[str, dict[ResponseKey, Judgment]]) -> Example:
    judgments = [
        ExampleJudgment(judge=name, score=j.score, parsed=j.parsed, reason=j.reason, details=j.details)
        for name, table in by_judge.items()
        if (j := table.get(ref.key)) is not None
    ]
    return Example(
        role=ref.role,
        label=ref.label,
        domain=ref.domain,
        uid=ref.uid,
        sample_index=ref.sample_index,
        messages=ref.pair.messages,
        reference_response=ref.pair.reference,
        target_response=ref.pair.target,
        judgments=judgments,
    )
