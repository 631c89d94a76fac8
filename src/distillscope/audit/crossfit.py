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

Learners work on rows of the audit's `TextTable`, where every answer was tokenised once.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
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
        fold before its fits without one panel model each, to start those fits from a common solution."""
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
) -> Scores:
    """Every subject's and the ceiling's answers scored out of fold, panel models also out of panel."""
    uids = [item.uid for item in answers.items if item.uid in answers.reference]
    panel = answers.of(PANEL_ROLE)
    scored: Scores = {CEILING: {}, **{a.model: {} for a in answers.subjects}}
    parts = folds_of(uids, folds, seed)
    for number, held in enumerate(parts, start=1):
        held_set = set(held)
        train = [u for u in uids if u not in held_set]
        positives = table.rows([answers.reference[u] for u in train])

        def negatives(excluded: str, train: list[str] = train) -> np.ndarray:
            return table.rows([a.texts[u] for a in panel if a.model != excluded for u in train if u in a.texts])

        prepare = getattr(learner, "prepare", None)
        if prepare is not None:  # a learner may fit once on the whole panel, to start each fit without one from
            prepare(positives, negatives(""))
        without = {member.model: learner.fit(positives, negatives(member.model)) for member in panel}
        for member in panel:
            _score_into(scored[member.model], table, [without[member.model]], member.texts, held)
        _score_into(scored[CEILING], table, list(without.values()), answers.reference, held)
        for target in answers.of("target"):
            _score_into(scored[target.model], table, list(without.values()), target.texts, held)
        if on_fold is not None:
            on_fold(number, len(parts))
    return scored


def _score_into(
    into: dict[str, float], table: TextTable, scorers: Sequence[Scorer], texts: dict[str, str], held: Sequence[str]
) -> None:
    """The mean of the scorers' scores of each held-out answer."""
    present = [u for u in held if u in texts]
    if present and scorers:
        rows = table.rows([texts[u] for u in present])
        means = np.mean([np.asarray(s.score(rows), dtype=float) for s in scorers], axis=0)
        into.update(zip(present, (float(v) for v in means), strict=True))


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
