"""How much: the share of a target's training data that the reference wrote, with a 95% interval.

Each score signal places the target on a line from the null panel (share 0: an unrelated model)
to the ceiling (share 1: what a perfect copy of the reference scores):

    z = (target − panel mean) / (ceiling − panel mean)

computed on the items the target, every panel model and the ceiling answered. The ceiling is the
reference's second sample for RSE's judges, and the reference's own answers to held-out prompts for
the learned signals (`audit/crossfit.py`), so recorded answers with one per prompt have a share too.
The signals' z are averaged. How z maps to a share is the calibration, and it is stated wherever a
share is shown:

- "floor–ceiling" (the default, needing no data): share = z, clipped to [0, 1]. It assumes that a
  model trained only on the reference's outputs would answer like the reference itself; a smaller
  student never quite does, so this reads low at high shares, by an amount nobody has measured for
  the audit at hand;
- "learned": a monotone curve fitted (isotonic regression) to models of known making, such as the
  zoo's graded series (`distillscope calibrate`), with its error measured on models left out of
  the fit (`rmse`).

The interval is a prediction interval, not a bootstrap over prompts. Unrelated models differ from
one another by far more than prompt sampling moves one model, and a distilled model differs from
the typical model of its share in the same way, so the interval's width is the panel's own spread
of z (each panel model placed on the same line, k − 1 degrees of freedom; prompt noise is inside
it, since each panel model's z is measured on the same prompts), with Student's quantile and the
1 + 1/k of predicting one new model. The calibration's error is added on the share scale (± 1.96
rmse), so the interval covers the truth where the calibration holds; under the floor–ceiling line,
whose error is unknown, the interval cannot rule out a share, and the verdict never says "not
distinguishable" from it.

A signal places targets on the line only if its two ends are far apart: the ceiling must stand out
of the panel as a distilled model would (its prediction t against the panel at least
`MIN_CEILING_T`). A learned signal scored out of fold, such as the classifier, may not tell the
reference's own answers from the panel's on new prompts; then its line has no length, and z would
be noise divided by nearly nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from distillscope.audit.evidence import ItemValues, Panel
from distillscope.audit.verdict.calibration import ShareCalibration
from distillscope.audit.verdict.nulls import common_items, prediction_t

MIN_CEILING_T = 3.0


@dataclass(frozen=True)
class SignalLine:
    """One score signal: the target, the panel (by model) and the ceiling on their common items."""

    signal: str
    target: ItemValues
    panel: Mapping[str, ItemValues]
    ceiling: ItemValues


@dataclass(frozen=True)
class ShareEstimate:
    value: float
    low: float
    high: float
    z: float
    signals: int
    items: int
    panel_spread: float  # the standard deviation of the panel models' own z


def line_matrix(line: SignalLine) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Values [target, ceiling, panel...] × common items, each item's group index, and the items."""
    models = [line.target, line.ceiling, *line.panel.values()]
    items = common_items(models)
    rows = []
    for values in models:
        by_id = values.by_id()
        rows.append([by_id[i] for i in items])
    groups = dict(zip(line.target.ids, line.target.groups or [""] * len(line.target.ids), strict=True))
    labels = sorted({groups[i] for i in items})
    return np.asarray(rows, dtype=float), np.asarray([labels.index(groups[i]) for i in items], dtype=int), items


def normalised_score(matrix: np.ndarray, groups: np.ndarray) -> float:
    """z of the target (row 0) between the panel's mean (0) and the ceiling (row 1, 1)."""
    return float(_zs(matrix, groups)[0])


def _effects(matrix: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each row's mean over groups of its mean over the group's items (groups weigh equally)."""
    return np.mean([matrix[:, groups == g].mean(axis=1) for g in np.unique(groups)], axis=0)


def _spans(matrix: np.ndarray, groups: np.ndarray) -> bool:
    """Whether the ceiling (row 1) stands out of the panel (rows 2...) by the prediction test."""
    effects = _effects(matrix, groups)
    t, _ = prediction_t(float(effects[1]), [float(e) for e in effects[2:]])
    return t >= MIN_CEILING_T


def _zs(matrix: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """z of every row (target, ceiling, each panel model) on the line from the panel's mean to the ceiling."""
    effects = _effects(matrix, groups)
    panel = effects[2:].mean()
    span = effects[1] - panel
    return (effects - panel) / span if span > 0 else np.full(effects.shape, math.nan)


def estimate_share(lines: Sequence[SignalLine], calibration: ShareCalibration) -> ShareEstimate | None:
    """The share, its 95% prediction interval, and the mean normalised score z behind it."""
    z_target: list[float] = []
    z_panel: dict[str, list[float]] = {}
    items = []
    for line in lines:
        if not Panel.enough(len(line.panel)):
            continue
        matrix, groups, shared = line_matrix(line)
        if matrix.shape[1] == 0 or not _spans(matrix, groups):
            continue
        zs = _zs(matrix, groups)
        if math.isnan(zs[0]):
            continue
        z_target.append(float(zs[0]))
        for model, value in zip(line.panel, zs[2:], strict=True):
            z_panel.setdefault(model, []).append(float(value))
        items.append(len(shared))
    if not z_target:
        return None
    z = float(np.mean(z_target))
    panel = [float(np.mean(v)) for v in z_panel.values()]
    k = len(panel)
    spread = float(np.std(panel, ddof=1)) if k >= 2 else math.nan
    half = float(stats.t.ppf(0.975, k - 1)) * spread * math.sqrt(1 + 1 / k) if k >= 2 else math.inf
    low, high = calibration.apply(z - half), calibration.apply(z + half)
    if calibration.error_known:
        allowance = 1.96 * float(calibration.rmse or 0.0)
        low, high = max(0.0, low - allowance), min(1.0, high + allowance)
    return ShareEstimate(calibration.apply(z), low, high, z, len(z_target), int(min(items)), spread)
