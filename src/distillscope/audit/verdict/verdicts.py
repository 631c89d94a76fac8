"""The verdict per target: distilled from Y, not distinguishable from unrelated models, or inconclusive.

For every target and reference, each signal is tested against the null panel (`nulls`); a method's
signals are combined into one p-value, and the methods into one (Simes, `combine`), so three RSE
judges do not outvote ICE. Holm's correction across the targets gives the adjusted p-value the
verdict reads:

- "distilled from Y" when the adjusted p-value is at most α;
- otherwise "not distinguishable from unrelated models" when a share was estimated with a
  calibration whose own error is known, and its whole 95% interval (the panel's spread and the
  calibration's error) lies below the smallest share that matters (`min_share`): only then do the
  data rule out a material share;
- otherwise "inconclusive": the test found no difference, but a material share is not ruled out
  (or could not be, for want of a share or of a calibrated one).

The share (`share`), the closest of the candidate teachers (`attribution`) and, in sequential mode,
the queries each target needed, stand beside it. Everything here reads evidence only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from distillscope.audit.evidence import Evidence
from distillscope.audit.verdict.attribution import Attribution, attribute
from distillscope.audit.verdict.calibration import ShareCalibration
from distillscope.audit.verdict.combine import holm
from distillscope.audit.verdict.groundtruth import ShareCheck
from distillscope.audit.verdict.settings import VerdictSettings
from distillscope.audit.verdict.share import estimate_share
from distillscope.audit.verdict.signals import SignalChooser, SignalResult, against_panel, score_lines

Kind = Literal["distilled", "not distinguishable", "inconclusive"]


class ShareResult(BaseModel):
    value: float
    low: float = Field(description="95% prediction interval: the panel's spread and the calibration's error.")
    high: float
    z: float = Field(description="The mean normalised score: 0 at the panel's mean, 1 at the ceiling.")
    signals: int
    items: int
    panel_spread: float | None = Field(None, description="Standard deviation of the panel models' own z.")


class TargetVerdict(BaseModel):
    model: str
    label: str
    reference: str = Field(description="The reference the verdict is about (its label).")
    verdict: Kind
    text: str
    p_value: float | None = Field(description="Combined over methods, before the correction across targets.")
    p_adjusted: float | None = Field(description="Holm-adjusted across the targets: what the verdict reads.")
    methods: dict[str, float] = Field(default_factory=dict, description="Each method's combined p-value.")
    signals: list[SignalResult] = Field(default_factory=list)
    share: ShareResult | None = None
    closest: str | None = Field(
        None, description="The candidate teacher it most resembles; 'none' if none beats its null."
    )
    closest_confidence: float | None = None
    queries: int | None = Field(None, description="Target queries the methods spent on it (ICE's, when sequential).")


class VerdictReport(BaseModel):
    alpha: float
    min_share: float
    reference: str
    panel: list[str]
    candidates: list[str]
    calibration: ShareCalibration
    sequential: bool = False
    targets: list[TargetVerdict]
    share_check: ShareCheck | None = Field(None, description="The share's error on targets of known share.")
    notes: list[str] = Field(default_factory=list)

    def of(self, model: str) -> TargetVerdict | None:
        return next((t for t in self.targets if t.model == model), None)


def share_of(
    evidence: Sequence[Evidence], target: str, reference: str, calibration: ShareCalibration
) -> ShareResult | None:
    """The share from every score signal that has a ceiling: what a perfect copy of the reference scores."""
    estimate = estimate_share(score_lines(evidence, target, reference), calibration)
    if estimate is None or math.isnan(estimate.value):
        return None
    values = dict(estimate.__dict__)
    values["panel_spread"] = None if math.isnan(estimate.panel_spread) else estimate.panel_spread
    return ShareResult(**values)


# --------------------------------------------------------------------------------------- verdicts
def decide(
    evidence: Sequence[Evidence],
    methods: Sequence[str],
    targets: Sequence[tuple[str, str]],
    references: Sequence[tuple[str, str]],
    panel: Sequence[str],
    settings: VerdictSettings,
    queries: dict[str, int] | None = None,
    attribution_methods: Sequence[str] | None = None,
    *,
    counted: SignalChooser,
) -> VerdictReport:
    """Verdicts for every target (model, label) about the first reference (model, label); the others
    are candidate teachers for attribution, read from `attribution_methods` (default: `methods`).
    `counted` says which of each method's measures count (the runner asks the methods)."""
    calibration = settings.calibration or ShareCalibration()
    (reference, reference_label), candidates = references[0], references[1:]
    sequential = settings if settings.sequential else None
    tested = {
        model: against_panel(evidence, methods, model, reference, settings.seed, sequential, counted=counted)
        for model, _ in targets
    }
    adjusted = holm({model: result[0] for model, result in tested.items()})
    verdicts = []
    for model, label in targets:
        p, per_method, signals = tested[model]
        share = share_of(evidence, model, reference, calibration)
        kind = _kind(adjusted.get(model, math.nan), share, calibration, settings)
        attribution: Attribution | None = None
        if candidates:
            attribution = attribute(
                evidence, attribution_methods or methods, model, list(references), settings, counted=counted
            )
        verdicts.append(
            TargetVerdict(
                model=model,
                label=label,
                reference=reference_label,
                verdict=kind,
                text=_text(kind, reference_label),
                p_value=_finite(p),
                p_adjusted=_finite(adjusted.get(model, math.nan)),
                methods=per_method,
                signals=signals,
                share=share,
                closest=attribution.closest if attribution else (reference_label if kind == "distilled" else None),
                closest_confidence=attribution.confidence if attribution else None,
                queries=(queries or {}).get(model),
            )
        )
    notes = []
    if any(v.p_value is None for v in verdicts):
        notes.append("targets without a p-value had no signal the panel also has")
    if not calibration.error_known and any(v.verdict == "inconclusive" for v in verdicts):
        notes.append(
            "'not distinguishable' needs a share calibration of known error (distillscope calibrate): on the "
            "floor–ceiling line a low share cannot rule out a material one, so such targets are 'inconclusive'"
        )
    return VerdictReport(
        alpha=settings.alpha,
        min_share=settings.min_share,
        reference=reference_label,
        panel=list(panel),
        candidates=[label for _, label in candidates],
        calibration=calibration,
        sequential=settings.sequential,
        targets=verdicts,
        notes=notes,
    )


def _kind(
    p_adjusted: float, share: ShareResult | None, calibration: ShareCalibration, settings: VerdictSettings
) -> Kind:
    """Distilled on the test; not distinguishable only where a share was estimated, on a calibration of
    known error, and its whole interval lies below the share that matters; inconclusive otherwise."""
    if not math.isnan(p_adjusted) and p_adjusted <= settings.alpha:
        return "distilled"
    if share is not None and calibration.error_known and share.high < settings.min_share:
        return "not distinguishable"
    return "inconclusive"


def _text(kind: Kind, reference: str) -> str:
    return {
        "distilled": f"distilled from {reference}",
        "not distinguishable": "not distinguishable from unrelated models",
        "inconclusive": "inconclusive",
    }[kind]


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value
