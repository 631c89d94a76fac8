"""Scores learned from the reference and the panel, but never on the text they score.

A signal that learns what the reference's answers look like (a classifier, a list of its pet
words) would flatter anything it was trained on. So the prompts are split into folds, and every
answer is scored by a model learned on the other folds' prompts only. And a panel model is scored
by a model learned without that panel model: otherwise the panel would be scored as "seen before"
and an unseen unrelated target would look more like the reference than the panel does, which is
exactly the false positive the null panel is there to prevent.

Targets are scored the same way, by the models learned without one panel model each (their mean):
a model learned against the whole panel would be learned from more negatives than any panel
model's and would score on another scale (more markers pass, probabilities sharpen), a bias the
null test would read as evidence. With every score from a model of the same making, a target
unrelated to the reference is exchangeable with the panel, which the p-value needs.

The ceiling, what a perfect copy of the reference would score, is the reference's own answers to
the held-out prompts, scored like a target's: a model learned from the reference's answers to other
prompts meets them as new text, as it meets a copy's. So the ceiling needs no second sample of the
reference, and recorded answers (one per prompt, as collected logs have them) give it too.

Learners work on rows of the audit's `TextTable`, where every answer was tokenised once. A fold is
planned as rows only (`_FoldPlan`: no text), so its fits and scores can run in a worker process: the
classifier's 45 fits of an audit of 400 prompts with a panel of 8 took 38.3 s in one process and
18.1 s in two, on two cores, with identical scores (one run each).
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from distillscope.audit.evidence import PANEL_ROLE, Evidence, ItemValues, Measure
from distillscope.audit.responses import Answers
from distillscope.audit.texts import TextTable
from distillscope.stats import stratified_bootstrap_mean_of_means

CEILING = "ceiling"


class Scorer(Protocol):
    def score(self, rows: np.ndarray) -> np.ndarray: ...


class Learner(Protocol):
    def fit(self, positives: np.ndarray, negatives: np.ndarray) -> Scorer:
        """A scorer learned from the reference's rows (positives) against the panel's (negatives).

        A learner may also have `prepare(positives, negatives)`, called with the whole panel's rows of a
        fold before its fits without one panel model each, to start those fits from a common solution;
        and `for_workers()`, the copy of itself to send to worker processes."""
        ...


Scores = dict[str, dict[str, float]]  # model (or "ceiling") → item uid → score


def folds_of(uids: Sequence[str], folds: int, seed: int) -> list[list[str]]:
    shuffled = sorted(uids)
    random.Random(f"crossfit:{seed}").shuffle(shuffled)
    count = max(2, min(folds, len(shuffled)))
    return [shuffled[i::count] for i in range(count)]


def answer_table(answers: Answers, **options: Any) -> TextTable:
    """Every answer of the reference and the subjects, for one audit."""
    texts = [*answers.reference.values(), *(t for a in answers.subjects for t in a.texts.values())]
    return TextTable(texts, **options)


def cross_fitted(
    answers: Answers,
    table: TextTable,
    learner: Learner,
    folds: int = 5,
    seed: int = 0,
    on_fold: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> Scores:
    """Every subject's and the ceiling's answers scored out of fold, panel models also out of panel; the
    folds are independent, so with `workers` > 1 they are fitted in that many processes, with the same
    scores."""
    uids = [item.uid for item in answers.items if item.uid in answers.reference]
    scored: Scores = {CEILING: {}, **{a.model: {} for a in answers.subjects}}
    parts = folds_of(uids, folds, seed)
    plans = [_fold_plan(answers, table, uids, held) for held in parts]
    for number, fold in enumerate(_fold_results(learner, plans, workers), start=1):
        for key, part in fold.items():
            scored[key].update(part)
        if on_fold is not None:
            on_fold(number, len(parts))
    return scored


@dataclass(frozen=True)
class _Scoring:
    key: str  # the subject's model, or CEILING
    uids: list[str]  # its held-out items, in the rows' order
    rows: np.ndarray
    only: str | None  # the panel member whose left-out fit alone scores it; None: every fit's mean


@dataclass(frozen=True)
class _FoldPlan:
    """One fold as rows of the table: what every fit learns from and what it scores (no text)."""

    positives: np.ndarray
    whole_panel: np.ndarray
    without: dict[str, np.ndarray]  # panel member → the panel's rows without it
    scoring: list[_Scoring]


def _fold_plan(answers: Answers, table: TextTable, uids: list[str], held: list[str]) -> _FoldPlan:
    panel = answers.of(PANEL_ROLE)
    held_set = set(held)
    train = [u for u in uids if u not in held_set]

    def negatives(excluded: str) -> np.ndarray:
        return table.rows([a.texts[u] for a in panel if a.model != excluded for u in train if u in a.texts])

    def scoring(key: str, texts: dict[str, str], only: str | None) -> _Scoring:
        present = [u for u in held if u in texts]
        return _Scoring(key, present, table.rows([texts[u] for u in present]), only)

    scored = [scoring(member.model, member.texts, member.model) for member in panel]
    scored.append(scoring(CEILING, answers.reference, None))
    scored += [scoring(target.model, target.texts, None) for target in answers.of("target")]
    return _FoldPlan(
        positives=table.rows([answers.reference[u] for u in train]),
        whole_panel=negatives(""),
        without={member.model: negatives(member.model) for member in panel},
        scoring=scored,
    )


def _fold_results(learner: Learner, plans: list[_FoldPlan], workers: int) -> Iterator[dict[str, dict[str, float]]]:
    """Each fold's scores, in fold order: here, or each fold in a worker process (joblib's loky pool,
    the one `audit/texts.py` counts in, so its workers are usually up already; the table's arrays
    reach them memory-mapped)."""
    if workers <= 1:
        yield from (_fold_scores(learner, plan) for plan in plans)
        return
    from joblib import Parallel, delayed

    sent = getattr(learner, "for_workers", lambda: learner)()  # a learner may leave out what rows do not need
    parallel = Parallel(n_jobs=workers, backend="loky", return_as="generator")  # results in submission order
    yield from parallel(delayed(_fold_scores)(sent, plan) for plan in plans)


def _fold_scores(learner: Learner, plan: _FoldPlan) -> dict[str, dict[str, float]]:
    """One fold's fits and scores (a worker's whole job): a fit without each panel member, each member
    scored by its own, the ceiling and the targets by the mean of all."""
    learner = copy.copy(learner)  # `prepare` keeps state per fold
    prepare = getattr(learner, "prepare", None)
    if prepare is not None:  # a learner may fit once on the whole panel, to start each fit without one from
        prepare(plan.positives, plan.whole_panel)
    fits = {member: learner.fit(plan.positives, rows) for member, rows in plan.without.items()}
    out = {}
    for part in plan.scoring:
        scorers = [fits[part.only]] if part.only is not None else list(fits.values())
        if part.uids and scorers:
            means = np.mean([np.asarray(s.score(part.rows), dtype=float) for s in scorers], axis=0)
            out[part.key] = dict(zip(part.uids, (float(v) for v in means), strict=True))
    return out


def evidence_from_scores(
    method: str,
    signal: str,
    scale: str,
    scores: Scores,
    answers: Answers,
    reference: tuple[str, str],
    summary: Callable[[dict[str, float]], Any] | None = None,
) -> list[Evidence]:
    """One `Evidence` per subject and, when it was scored, for the ceiling (the reference, as `reference`
    = (model, label) names it): the mean score over prompts (domains weigh equally, with a bootstrap interval) and
    each prompt's score as an item."""
    domains = answers.domains
    owners = [(a.model, a.label, a.role, a.model) for a in answers.subjects]
    if scores.get(CEILING):
        owners.append((reference[0], reference[1], "ceiling", CEILING))
    out = []
    for model, label, role, key in owners:
        by_item = scores.get(key, {})
        uids = sorted(by_item)
        by_domain: dict[str, list[float]] = {}
        for uid in uids:
            by_domain.setdefault(domains.get(uid, ""), []).append(by_item[uid])
        estimate = stratified_bootstrap_mean_of_means(list(by_domain.values()))
        value = None if math.isnan(estimate.value) else estimate.value
        out.append(
            Evidence(
                method=method,
                model=model,
                label=label,
                role=role,  # type: ignore[arg-type]
                reference=reference[0],
                measures=[
                    Measure(
                        name=signal,
                        value=value,
                        low=None if value is None else estimate.low,
                        high=None if value is None else estimate.high,
                        n=estimate.n,
                        scale=scale,
                    )
                ],
                items=[
                    ItemValues(
                        signal=signal,
                        kind="score",
                        ids=uids,
                        values=[by_item[u] for u in uids],
                        groups=[domains.get(u, "") for u in uids],
                    )
                ],
                headline=signal,
                summary=summary(by_item) if summary is not None else None,
            )
        )
    return out


def mean_row(evidence: Evidence) -> dict[str, Any]:
    """One model's row in a learned signal's results: its label, role and mean with interval and n."""
    mean = evidence.measures[0]
    interval = {"mean": mean.value, "low": mean.low, "high": mean.high, "n": mean.n}
    return {"label": evidence.label, "role": evidence.role, **interval}
