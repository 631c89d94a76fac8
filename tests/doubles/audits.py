"""A finished audit of students of known share, written straight as its results: what `calibrate` reads.

Calibration needs audits of models whose share of the reference's text is known; making them for
real means training a zoo. For tests of `calibrate` itself (and the docs' calibration block), the
results a zoo audit would have written are enough: students of each share, placed by an audit that
reads them low (z = 0.6 share), as small students are, a little apart per replicate.
"""

from __future__ import annotations

from pathlib import Path

from distillscope.audit.resolve import AuditedModel
from distillscope.audit.results import AuditResults, write_results
from distillscope.audit.verdict.calibration import ShareCalibration
from distillscope.audit.verdict.verdicts import ShareResult, TargetVerdict, VerdictReport

SHARES = [0.0, 0.1, 0.25, 0.5, 1.0]


def known_share_audit(folder: Path, replicate: int) -> Path:
    """The results folder of one replicate's audit, its targets carrying their ground truth."""
    targets, verdicts = [], []
    for share in SHARES:
        model = f"student-{share}-{replicate}"
        targets.append(
            AuditedModel(
                model=model,
                label=f"f={share} #{replicate}",
                spec=f"hf:{model}",
                ground_truth={"teacher": "aurora", "fraction": share, "replicate": replicate},
            )
        )
        z = 0.6 * share + 0.01 * replicate
        verdicts.append(
            TargetVerdict(
                model=model,
                label=f"f={share}",
                reference="A",
                verdict="inconclusive",
                text="inconclusive",
                p_value=0.5,
                p_adjusted=0.5,
                share=ShareResult(value=z, low=0, high=1, z=z, signals=1, items=50),
            )
        )
    reference = AuditedModel(model="teacher-a", label="A", spec="hf:teacher-a", facts="aurora")
    results = AuditResults(
        title="zoo",
        run_id="r",
        created_at="now",
        seconds=0,
        reference=reference,
        targets=targets,
        sources=["aurora"],
        stages=[],
        verdict=VerdictReport(
            alpha=0.05,
            min_share=0.2,
            reference="A",
            panel=[],
            candidates=[],
            calibration=ShareCalibration(),
            targets=verdicts,
        ),
    )
    write_results(results, folder)
    return folder
