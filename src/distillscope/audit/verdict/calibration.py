"""The map from a normalised score z to a share of reference-written data, and how it is learned.

Kept apart from the share's statistics (`share.py`) because the audit's settings carry a calibration:
reading a job, or a command's `--help`, must not load numpy and scipy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ShareCalibration(BaseModel):
    """The map from a normalised score z to a share of reference-written data."""

    model_config = ConfigDict(extra="forbid")  # a file of another shape is an error, not a default curve

    kind: Literal["floor-ceiling", "learned"] = "floor-ceiling"
    xs: list[float] = Field(default_factory=list, description="Knots of the learned curve: z values.")
    ys: list[float] = Field(default_factory=list, description="The share at each knot.")
    source: str = Field("", description="What it was learned on.")
    points: int = Field(0, description="Models it was fitted to.")
    mae: float | None = Field(None, description="Its mean absolute error on held-out models of known share.")
    rmse: float | None = Field(
        None, description="Its root-mean-square error on held-out models of known share: the interval's allowance."
    )

    @model_validator(mode="after")
    def _a_curve_that_can_be_used(self) -> ShareCalibration:
        """A learned curve is knots in increasing z, each mapped to a share; anything else would be used
        as given (np.interp with unsorted knots answers nonsense) or silently mean no curve at all."""
        if self.kind != "learned":
            if self.xs or self.ys:
                raise ValueError("a floor-ceiling calibration has no knots; expected kind: learned with xs and ys")
            return self
        if len(self.xs) != len(self.ys):
            raise ValueError(f"xs has {len(self.xs)} knots but ys has {len(self.ys)}; expected one share per knot")
        if len(self.xs) < 2:
            raise ValueError(f"a learned curve needs at least 2 knots (got {len(self.xs)})")
        if any(not b > a for a, b in zip(self.xs, self.xs[1:], strict=False)):
            raise ValueError("the knots xs are not in increasing order")
        if any(not 0.0 <= y <= 1.0 for y in self.ys):
            raise ValueError("every share in ys must lie in [0, 1]")
        return self

    @property
    def error_known(self) -> bool:
        """Whether the curve's own error was measured, so that an interval can carry it."""
        return self.kind == "learned" and self.rmse is not None

    def apply(self, z: float) -> float:
        if math.isnan(z):
            return math.nan
        if self.kind == "floor-ceiling" or not self.xs:
            return min(1.0, max(0.0, z))
        import numpy as np

        return float(np.clip(np.interp(z, self.xs, self.ys), 0.0, 1.0))

    def describe(self) -> str:
        if self.kind == "floor-ceiling":
            return "floor–ceiling line: 0 at the null panel's mean, 1 at the reference's second sample"
        error = f", mean absolute error {self.mae:.3f} on held-out models" if self.mae is not None else ""
        if self.rmse is not None:
            error += f" (rmse {self.rmse:.3f}, added to every interval)"
        fitted = f"learned on {self.points} models of known share" if self.points else "learned"
        return f"{fitted} ({self.source or 'source not recorded'}){error}"


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
