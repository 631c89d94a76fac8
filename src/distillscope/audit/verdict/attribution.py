"""Which teacher: of several candidate references, the one a target resembles, with a confidence.

The evidence read is that of the teacher classifier and proximity when the classifier ran
(`audit/teachers/`: each candidate's probability against the others', on one scale; proximity: how
often a candidate's answer is the target's nearest), else the verdict's own signals. Each candidate is
tested against the same null panel (the panel must hold no model distilled from
any candidate). Candidates whose Holm-adjusted p-value (over the candidates) stays above α are out:
when none is left the answer is "none". Among those left, the target is attributed to the one it
has come furthest towards, by the normalised score z (0 at the panel's mean, 1 at that candidate's
ceiling: its own held-out answers, or its second sample), which compares candidates on one scale
even when their styles differ; without a ceiling to normalise by, to the smallest p-value. The
confidence is the share of item resamples (prompts, drawn within their groups, the same draw for
every candidate) in which that candidate still comes out furthest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from distillscope.audit.evidence import Evidence
from distillscope.audit.verdict.combine import holm
from distillscope.audit.verdict.settings import VerdictSettings
from distillscope.audit.verdict.share import SignalLine, line_matrix, normalised_score
from distillscope.audit.verdict.signals import SignalChooser, against_panel, score_lines

RESAMPLES = 200
NONE = "none"


@dataclass
class Attribution:
    closest: str  # a candidate's label, or "none"
    confidence: float | None
    p_values: dict[str, float] = field(default_factory=dict)  # per candidate label, Holm-adjusted over candidates
    z: dict[str, float] = field(default_factory=dict)


def attribute(
    evidence: Sequence[Evidence],
    methods: Sequence[str],
    target: str,
    references: Sequence[tuple[str, str]],
    settings: VerdictSettings,
    *,
    counted: SignalChooser,
) -> Attribution:
    labels = dict(references)
    sequential = settings if settings.sequential else None
    raw = {
        model: against_panel(evidence, methods, target, model, settings.seed, sequential, counted=counted)[0]
        for model, _ in references
    }
    adjusted = holm(raw)
    passing = [model for model, _ in references if adjusted.get(model, math.nan) <= settings.alpha]
    lines = {model: score_lines(evidence, target, model, methods) for model, _ in references}
    z = {model: _mean_z(lines[model], None) for model, _ in references}
    shown = {labels[m]: p for m, p in adjusted.items()}
    if not passing:
        return Attribution(NONE, None, shown, {labels[m]: v for m, v in z.items()})
    if all(math.isnan(z[m]) for m in passing):
        best = min(passing, key=lambda m: raw[m])
        return Attribution(labels[best], None, shown, {})
    best = max(passing, key=lambda m: -math.inf if math.isnan(z[m]) else z[m])
    return Attribution(
        labels[best], _confidence(lines, passing, best, settings.seed), shown, {labels[m]: v for m, v in z.items()}
    )


def _mean_z(lines: Sequence[SignalLine], ids: Sequence[str] | None) -> float:
    values = []
    for line in lines:
        matrix, groups, items = line_matrix(line)
        if ids is not None:
            position = {item: i for i, item in enumerate(items)}
            index = np.asarray([position[i] for i in ids if i in position], dtype=int)
            if index.size == 0:
                continue
            matrix, groups = matrix[:, index], groups[index]
        value = normalised_score(matrix, groups)
        if not math.isnan(value):
            values.append(value)
    return float(np.mean(values)) if values else math.nan


def _confidence(lines: dict[str, list[SignalLine]], passing: list[str], best: str, seed: int) -> float | None:
    """The share of joint item resamples in which `best` keeps the highest z among the passing candidates."""
    pool = sorted({i for model in passing for line in lines[model] for i in line.target.ids})
    if not pool:
        return None
    group_of = {}
    for model in passing:
        for line in lines[model]:
            group_of.update(zip(line.target.ids, line.target.groups or [""] * len(line.target.ids), strict=True))
    by_group: dict[str, list[str]] = {}
    for item in pool:
        by_group.setdefault(group_of.get(item, ""), []).append(item)
    rng = np.random.default_rng(seed)
    wins = 0
    for _ in range(RESAMPLES):
        ids = [item for members in by_group.values() for item in rng.choice(members, size=len(members))]
        scores = {m: _mean_z(lines[m], ids) for m in passing}
        finite = {m: v for m, v in scores.items() if not math.isnan(v)}
        wins += bool(finite) and max(finite, key=finite.__getitem__) == best
    return wins / RESAMPLES
