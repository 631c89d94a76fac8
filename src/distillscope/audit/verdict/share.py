"""How much: the share of a target's training data that the reference wrote, with a 95% interval.

Each score signal places the target on a line from the null panel (share 0: an unrelated model)
to the ceiling (share 1: the reference against a second sample of itself):

    z = (target − panel mean) / (ceiling − panel mean)

computed on the items the target, every panel model and the ceiling answered. The signals' z are
averaged. How z maps to a share is the calibration, and it is stated wherever a share is shown:

- "floor–ceiling" (the default, needing no data): share = z, clipped to [0, 1]. It assumes that a
  model trained only on the reference's outputs would answer like the reference itself; a smaller
  student never quite does, so this reads low at high shares.
- "learned": a monotone curve fitted (isotonic regression) to models of known making, such as the
  zoo's graded series; `bench/validity.py` writes one, and an audit whose targets carry ground
  truth fits one, leaving each target out of its own fit.

The interval resamples the items (within their groups) and maps each resample through the same
calibration; the calibration's own error on the zoo is reported beside it, not folded in.

A signal places targets on the line only if its two ends are far apart: the ceiling must stand out
of the panel as a distilled model would (its prediction t against the panel at least
`MIN_CEILING_T`). A learned signal scored out of fold, such as the classifier, may not tell the
reference's own second sample from the panel on a new prompt; then its line has no length, and z
would be noise divided by nearly nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from distillscope.audit.evidence import ItemValues
from distillscope.audit.verdict.nulls import common_items, prediction_t

RESAMPLES = 400
MIN_CEILING_T = 3.0


class ShareCalibration(BaseModel):
    """The map from a normalised score z to a share of reference-written data."""

    kind: Literal["floor-ceiling", "learned"] = "floor-ceiling"
    xs: list[float] = Field(default_factory=list, description="Knots of the learned curve: z values.")
    ys: list[float] = Field(default_factory=list, description="The share at each knot.")
    source: str = Field("", description="What it was learned on.")
    points: int = Field(0, description="Models it was fitted to.")
    mae: float | None = Field(None, description="Its mean absolute error on held-out models of known share.")

    def apply(self, z: float) -> float:
        if math.isnan(z):
            return math.nan
        if self.kind == "floor-ceiling" or not self.xs:
            return min(1.0, max(0.0, z))
        return float(np.clip(np.interp(z, self.xs, self.ys), 0.0, 1.0))

    def describe(self) -> str:
        if self.kind == "floor-ceiling":
            return "floor–ceiling line: 0 at the null panel's mean, 1 at the reference's second sample"
        error = f", mean absolute error {self.mae:.3f} on held-out models" if self.mae is not None else ""
        return f"learned on {self.points} models of known share ({self.source}){error}"


def fit_calibration(zs: Sequence[float], shares: Sequence[float], source: str) -> ShareCalibration:
    """A monotone (isotonic) curve from z to share, through the given models of known share."""
    from sklearn.isotonic import IsotonicRegression

    kept = [(z, s) for z, s in zip(zs, shares, strict=True) if not math.isnan(z)]
    if len({z for z, _ in kept}) < 2:
        return ShareCalibration()
    xs, ys = zip(*sorted(kept), strict=True)
    model = IsotonicRegression(increasing=True, y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(xs, ys)
    return ShareCalibration(
        kind="learned",
        xs=[float(x) for x in model.X_thresholds_],
        ys=[float(y) for y in model.y_thresholds_],
        source=source,
        points=len(kept),
    )


@dataclass(frozen=True)
class SignalLine:
    """One score signal: the target, the panel and the ceiling on their common items."""

    signal: str
    target: ItemValues
    panel: Sequence[ItemValues]
    ceiling: ItemValues


@dataclass(frozen=True)
class ShareEstimate:
    value: float
    low: float
    high: float
    z: float
    signals: int
    items: int


def line_matrix(line: SignalLine) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Values [target, ceiling, panel...] × common items, each item's group index, and the items."""
    models = [line.target, line.ceiling, *line.panel]
    items = common_items(models)
    rows = []
    for values in models:
        by_id = values.by_id()
        rows.append([by_id[i] for i in items])
    groups = dict(zip(line.target.ids, line.target.groups or [""] * len(line.target.ids), strict=True))
    labels = sorted({groups[i] for i in items})
    return np.asarray(rows, dtype=float), np.asarray([labels.index(groups[i]) for i in items], dtype=int), items


def _matrix(line: SignalLine) -> tuple[np.ndarray, np.ndarray]:
    matrix, groups, _ = line_matrix(line)
    return matrix, groups


def normalised_score(matrix: np.ndarray, groups: np.ndarray) -> float:
    """z of the target (row 0) between the panel's mean (0) and the ceiling (row 1, 1)."""
    return _z(matrix, groups)


def _spans(matrix: np.ndarray, groups: np.ndarray) -> bool:
    """Whether the ceiling (row 1) stands out of the panel (rows 2...) by the prediction test."""
    effects = np.mean([matrix[:, groups == g].mean(axis=1) for g in np.unique(groups)], axis=0)
    t, _ = prediction_t(float(effects[1]), [float(e) for e in effects[2:]])
    return t >= MIN_CEILING_T


def _z(matrix: np.ndarray, groups: np.ndarray) -> float:
    effects = np.mean([matrix[:, groups == g].mean(axis=1) for g in np.unique(groups)], axis=0)
    target, ceiling, panel = effects[0], effects[1], effects[2:].mean()
    span = ceiling - panel
    return float((target - panel) / span) if span > 0 else math.nan


def _resample(groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    picks = [rng.choice(np.flatnonzero(groups == g), size=int((groups == g).sum())) for g in np.unique(groups)]
    return np.concatenate(picks)


def estimate_share(
    lines: Sequence[SignalLine], calibration: ShareCalibration, seed: int = 0, resamples: int = RESAMPLES
) -> ShareEstimate | None:
    """The share, its 95% interval by resampling items, and the mean normalised score z behind it."""
    prepared = [_matrix(line) for line in lines if len(line.panel) >= 2]
    prepared = [(m, g) for m, g in prepared if m.shape[1] > 0 and _spans(m, g) and not math.isnan(_z(m, g))]
    if not prepared:
        return None
    z = float(np.mean([_z(m, g) for m, g in prepared]))
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples):
        zs = []
        for matrix, groups in prepared:
            index = _resample(groups, rng)
            zs.append(_z(matrix[:, index], groups[index]))
        finite = [v for v in zs if not math.isnan(v)]
        if finite:
            draws.append(calibration.apply(float(np.mean(finite))))
    low, high = np.percentile(draws, [2.5, 97.5]) if draws else (math.nan, math.nan)
    items = int(min(m.shape[1] for m, _ in prepared))
    return ShareEstimate(calibration.apply(z), float(low), float(high), z, len(prepared), items)
