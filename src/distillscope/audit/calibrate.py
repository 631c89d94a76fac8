"""`distillscope calibrate`: learn how the normalised score z maps to a share, from models of known making.

An audit places each target on a line from the null panel (z = 0) to a perfect copy of the
reference (z = 1). How far along that line a model trained on a given share of the reference's
text lands depends on the student, the data and the signals, so the share is only as good as the
map from z to share. This command learns that map from audits of models whose share is known (the
zoo's graded series, or a user's own students), as a monotone curve, and measures its error on
models left out of the fit: whole groups at a time (a replicate of the zoo, given as
`ground_truth.replicate`), else one model at a time, so no model is scored by a curve fitted to
itself. The root-mean-square of those held-out errors is what every share interval computed with
the curve adds (`verdict/share.py`), and what lets a verdict say "not distinguishable" at all.

    distillscope calibrate zoo-audit-1 zoo-audit-2 -o calibration.json
    distillscope audit --config audit.yaml --calibration calibration.json
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from distillscope.audit.results import AuditResults, load_results
from distillscope.audit.verdict.calibration import ShareCalibration, fit_calibration
from distillscope.audit.verdict.groundtruth import true_share
from distillscope.errors import InputError
from distillscope.fileio.files import write_atomic


class KnownShare(BaseModel):
    """One model of known making, as an audit placed it."""

    label: str
    source: str = Field(description="The audit it came from.")
    z: float
    share: float = Field(description="Its true share of the reference's text.")
    group: str = Field(description="Left out together when the error is measured (a zoo replicate).")
    held_out: float | None = Field(None, description="Its share by a curve fitted without its group.")


class CalibrationFit(BaseModel):
    calibration: ShareCalibration
    points: list[KnownShare]


def known_shares(results: AuditResults, source: str) -> list[KnownShare]:
    """Every target of an audit whose share is known and which the verdict placed on the line."""
    if results.verdict is None:
        return []
    out = []
    for target in results.targets:
        truth = true_share(target.ground_truth, results.reference.facts)
        found = results.verdict.of(target.model)
        if truth is None or found is None or found.share is None or math.isnan(found.share.z):
            continue
        replicate = (target.ground_truth or {}).get("replicate")
        group = f"replicate {replicate}" if replicate is not None else f"{source}: {target.label}"
        out.append(KnownShare(label=target.label, source=source, z=found.share.z, share=truth, group=group))
    return out


def learn_calibration(points: Sequence[KnownShare], source: str) -> CalibrationFit:
    """The curve through every point, with its error measured group by group on curves fitted without it."""
    if len({p.z for p in points}) < 2 or len({p.share for p in points}) < 2:
        raise InputError(
            f"{len(points)} model(s) of known share, with too few distinct shares or scores to learn a curve",
            hint="audit models of known making (ground_truth: {teacher, fraction}) at several shares, with a panel",
        )
    held: list[KnownShare] = []
    for point in points:
        others = [p for p in points if p.group != point.group]
        curve = fit_calibration([p.z for p in others], [p.share for p in others], source)
        estimate = curve.apply(point.z) if curve.kind == "learned" else None
        held.append(point.model_copy(update={"held_out": estimate}))
    errors = np.asarray([p.held_out - p.share for p in held if p.held_out is not None])
    curve = fit_calibration([p.z for p in points], [p.share for p in points], source)
    curve = curve.model_copy(
        update={
            "mae": float(np.mean(np.abs(errors))) if errors.size else None,
            "rmse": float(np.sqrt(np.mean(errors**2))) if errors.size else None,
        }
    )
    return CalibrationFit(calibration=curve, points=held)


def calibrate(folders: Sequence[Path]) -> CalibrationFit:
    """A calibration learned from the targets of known share in the given audit folders."""
    names = ", ".join(str(f) for f in folders[:3]) + (" ..." if len(folders) > 3 else "")
    return calibrate_results([(load_results(folder), str(folder)) for folder in folders], f"in {names}")


def calibrate_results(audits: Sequence[tuple[AuditResults, str]], where: str) -> CalibrationFit:
    """A calibration from finished audits, each with its group's name (a zoo replicate is left out together):
    what `distillscope calibrate` does with folders, for callers that hold the results already."""
    points = [point for results, group in audits for point in known_shares(results, group)]
    return learn_calibration(points, f"{len(points)} models of known share {where}")


def write_calibration(fit: CalibrationFit, output: Path) -> Path:
    """The file that `audit --calibration` reads: the curve alone, written whole or not at all."""
    write_atomic(output, fit.calibration.model_dump_json(indent=1))
    return output
