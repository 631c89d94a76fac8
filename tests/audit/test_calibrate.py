"""`distillscope calibrate`: a curve from models of known share, its error measured on models it never saw."""

from __future__ import annotations

import json

import numpy as np
import pytest

from distillscope.audit.calibrate import KnownShare, learn_calibration
from distillscope.audit.verdict.settings import VerdictSettings
from distillscope.errors import InputError
from doubles.audits import SHARES, known_share_audit


def points(replicates: int = 3, noise: float = 0.02, seed: int = 0) -> list[KnownShare]:
    """Students of known share placed by an audit that reads them low (z = 0.6 share), as small students do."""
    rng = np.random.default_rng(seed)
    return [
        KnownShare(label=f"f={s} #{r}", source="zoo", z=0.6 * s + rng.normal(0, noise), share=s, group=f"replicate {r}")
        for r in range(replicates)
        for s in SHARES
    ]


def test_the_curve_undoes_a_low_reading_and_its_error_is_measured_on_left_out_replicates():
    fit = learn_calibration(points(), "toy zoo")
    curve = fit.calibration
    assert curve.kind == "learned" and curve.error_known and curve.points == 15
    assert curve.apply(0.3) == pytest.approx(0.5, abs=0.1) and curve.apply(0.6) == pytest.approx(1.0, abs=0.05)
    assert all(p.held_out is not None for p in fit.points)
    errors = [abs(p.held_out - p.share) for p in fit.points]
    assert curve.mae == pytest.approx(np.mean(errors)) and 0 < curve.rmse < 0.1
    # A noisier audit has a larger measured error, which every share interval then carries.
    assert learn_calibration(points(noise=0.1), "noisy").calibration.rmse > curve.rmse


def test_a_point_is_never_scored_by_a_curve_fitted_to_its_own_group():
    """One replicate reads everything far higher: left out, its own points cannot pull the curve to them."""
    skewed = [p if p.group != "replicate 2" else p.model_copy(update={"z": p.z + 0.3}) for p in points()]
    fit = learn_calibration(skewed, "skewed")
    own = [p for p in fit.points if p.group == "replicate 2" and p.share == 0.0]
    assert own[0].held_out > 0.2  # read by the other replicates' curve, which has never seen z that high at share 0


def test_too_few_shares_to_learn_from_is_one_clear_error():
    with pytest.raises(InputError, match="too few distinct shares"):
        learn_calibration([p for p in points() if p.share == 0.5], "one level")


def test_the_command_writes_a_calibration_an_audit_reads(cli, tmp_path):
    folders = [known_share_audit(tmp_path / f"audit-{r}", r) for r in range(3)]
    output = tmp_path / "calibration.json"
    result = cli("calibrate", *map(str, folders), "-o", str(output))
    assert result.exit_code == 0, result.stderr
    assert "held-out estimate" in result.stdout and "rmse" in result.stdout
    written = json.loads(output.read_text())
    assert written["kind"] == "learned" and written["points"] == 15 and written["rmse"] is not None
    settings = VerdictSettings(calibration=str(output))
    assert settings.calibration.error_known and settings.calibration.apply(0.6) == pytest.approx(1.0, abs=0.05)


def test_the_command_refuses_audits_without_known_shares_in_one_line(cli, tmp_path):
    folder = known_share_audit(tmp_path / "audit-0", 0)
    data = json.loads((folder / "results.json").read_text())
    for target in data["targets"]:
        target["ground_truth"] = None
    (folder / "results.json").write_text(json.dumps(data))
    result = cli("calibrate", str(folder), "-o", str(tmp_path / "c.json"))
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "known share" in result.stderr and not (tmp_path / "c.json").exists()
