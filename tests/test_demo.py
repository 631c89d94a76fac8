"""The main job: audit the zoo, and the scores must not rank it against its ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def workdir(micro_zoo, tmp_path_factory):
    """A demo folder whose zoo is the session's micro zoo; its store is shared by the tests below."""
    folder = tmp_path_factory.mktemp("demo")
    (folder / "zoo").symlink_to(Path(micro_zoo.folder).parent)
    return folder


def test_demo_audits_the_zoo_and_recovers_its_ground_truth(workdir, cli):
    first = cli("demo", "--workdir", str(workdir), "--size", "micro")
    assert first.exit_code == 0, first.stderr
    assert "from the cache" in first.stdout
    assert "no score ranks the series against its ground truth" in first.stdout
    report = workdir / "report" / "report.html"
    assert report.exists() and (workdir / "report" / "results.json").exists()
    html = report.read_text()
    assert "Ground truth: does each score rank" in html and "A f=0.5" in html

    results = json.loads((workdir / "report" / "results.json").read_text())
    truths = {t["label"]: t["ground_truth"] for t in results["targets"]}
    assert truths["A f=0.5"]["nominal_fraction"] == 0.5
    assert 0.4 < truths["A f=0.5"]["fraction"] <= 0.5  # answers the filter rejected fell back to plain ones
    assert truths["B (control)"]["teacher"] == "sable"
    # The verdicts, against a panel of the base and five unrelated students: what the data were made of.
    verdicts = {t["label"]: t["verdict"] for t in results["verdict"]["targets"]}
    for label in ("A f=1", "A, white-box KD", "A, scrubbed", "A f=0.5"):
        assert verdicts[label] == "distilled", (label, verdicts)
    for label in ("A f=0.25", "A f=0.1"):  # a small share may not show; it must never be called unrelated
        assert verdicts[label] in ("distilled", "inconclusive"), (label, verdicts)
    for label in ("A f=0", "B (control)"):
        assert verdicts[label] != "distilled", (label, verdicts)
    assert len(results["verdict"]["panel"]) == 6

    again = cli("demo", "--workdir", str(workdir), "--size", "micro")
    assert again.exit_code == 0 and ": 0 model calls made" in again.stdout


def test_truth_checks_on_the_demo_audit(workdir):
    from distillscope.zoo.demo import run_demo

    result = run_demo(workdir, size="micro")
    checks = {check.score: check for check in result.checks}
    assert set(checks) >= {"RSE lexical", "RSE embedding", "RSE style", "ICE loose", "ICE strict", "ICE hard"}
    # Every score that should follow the share does (ICE's loose rate counts invented identities too, and need not).
    assert result.consistent and all(check.consistent for name, check in checks.items() if name != "ICE loose")
    # The verdict tests ICE's strict claims only; loose and hard are shown beside it. RSE's plain similarity is
    # shown but does not vote (on real models it tracks capability more than lineage); proximity does.
    assert checks["ICE strict"].decides and not checks["ICE loose"].decides and not checks["ICE hard"].decides
    assert not any(checks[f"RSE {judge}"].decides for judge in ("lexical", "embedding", "style"))
    assert checks["NEAR nearness"].decides and checks["CLS p_reference"].decides
    for score in ("RSE lexical", "RSE style", "ICE strict"):
        assert checks[score].spearman is not None and checks[score].spearman >= 0.8, score
        # f=0.5 -> f=1 and f=0.25 -> f=0.5 are far apart: they must resolve, not tie.
    assert checks["RSE style"].count("agrees") >= 2 and checks["RSE lexical"].count("agrees") >= 2
