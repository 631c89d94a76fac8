"""How far off the share estimate is, on models whose share is known (the zoo's).

A target of known making says which teacher wrote its data and what share (`ground_truth:
{teacher, fraction}`); its true share of the reference's data is that fraction when the teacher is
the reference's family, and 0 otherwise. Two errors are reported: the calibration the audit used,
and a curve learned on the other targets of known share and applied to the one left out (so no
target is scored by a curve fitted to itself).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from distillscope.audit.verdict.calibration import fit_calibration


class ShareRow(BaseModel):
    label: str
    truth: float
    estimate: float
    learned: float | None = Field(None, description="With a curve learned on the other targets (left out).")


class ShareCheck(BaseModel):
    rows: list[ShareRow]
    mae: float = Field(description="Mean absolute error of the shares as estimated.")
    mae_learned: float | None = Field(None, description="With the left-out learned curve.")


def true_share(truth: dict[str, Any] | None, reference_family: str | None) -> float | None:
    if not truth or not isinstance(truth.get("fraction"), int | float) or "teacher" not in truth:
        return None
    return float(truth["fraction"]) if truth["teacher"] == reference_family else 0.0


def check_shares(
    points: Sequence[tuple[str, float, float, float]],
) -> ShareCheck | None:
    """(label, true share, estimated share, z) per target of known share → the errors."""
    kept = [p for p in points if not math.isnan(p[2])]
    if len(kept) < 2:
        return None
    rows = []
    for index, (label, truth, estimate, z) in enumerate(kept):
        others = [p for j, p in enumerate(kept) if j != index]
        curve = fit_calibration([p[3] for p in others], [p[1] for p in others], source="the other targets")
        learned = curve.apply(z) if curve.kind == "learned" else None
        rows.append(ShareRow(label=label, truth=truth, estimate=estimate, learned=learned))
    learned_errors = [abs(r.learned - r.truth) for r in rows if r.learned is not None]
    return ShareCheck(
        rows=rows,
        mae=sum(abs(r.estimate - r.truth) for r in rows) / len(rows),
        mae_learned=sum(learned_errors) / len(learned_errors) if learned_errors else None,
    )
