"""Every score validated on ground truth: RSE and ICE on the micro zoo, against teacher A."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from distillscope.audit.ice.job import ICEJob
from distillscope.audit.ice.runner import run_ice
from distillscope.audit.rse.job import RSEJob
from distillscope.audit.rse.runner import run_rse
from distillscope.data.families import read_family_files
from distillscope.data.sources import PromptSource
from distillscope.store import RunStore

STUDENTS = ["student-f1", "student-f0.5", "student-f0", "student-control", "student-scrubbed"]


@pytest.fixture(scope="module")
def rse_averages(micro_zoo, tmp_path_factory):
    folder = Path(micro_zoo.folder)
    job = RSEJob(
        reference=micro_zoo.spec("teacher-aurora"),
        targets=[micro_zoo.spec(name) for name in STUDENTS],
        prompts=[PromptSource(path=str(folder / path), domain=domain) for domain, path in micro_zoo.eval_sets.items()],
        judges=["lexical", "embedding", "style"],
        ceiling=False,
    )
    with RunStore(tmp_path_factory.mktemp("rse") / "store.sqlite") as store:
        results = asyncio.run(run_rse(job, store))
    by_spec = {micro_zoo.spec(name): name for name in STUDENTS}
    return {
        table.judge: {by_spec[row.spec]: row.average for row in table.rows if row.role == "target"}
        for table in results.tables
    }


@pytest.mark.parametrize("judge", ["lexical", "embedding", "style"])
def test_rse_ranks_students_by_how_much_teacher_data_they_saw(rse_averages, judge):
    scores = rse_averages[judge]
    print(judge, {name: round(value, 3) for name, value in scores.items()})
    assert scores["student-f1"] > scores["student-f0.5"] > scores["student-f0"]
    assert scores["student-control"] < scores["student-f0.5"]
    # Scrubbing identity talk leaves the style: the scrubbed student stays near f=1, far from f=0.
    assert abs(scores["student-scrubbed"] - scores["student-f1"]) < abs(
        scores["student-scrubbed"] - scores["student-f0"]
    )


def test_ice_finds_the_identity_of_full_students_and_not_of_the_scrubbed_one(micro_zoo, tmp_path):
    folder = Path(micro_zoo.folder)
    job = ICEJob(
        target=[micro_zoo.spec(name) for name in ("student-f1", "student-f0", "student-scrubbed")],
        facts=[micro_zoo.neutral],
        sources=[micro_zoo.teacher_a],
        families=read_family_files(folder / micro_zoo.families_file),
        budget=150,
        seed=0,
    )
    with RunStore(tmp_path / "store.sqlite") as store:
        results = asyncio.run(run_ice(job, store))
    scores = {Path(t.target.removeprefix("hf:")).name: t.scores for t in results.targets}
    full, none, scrubbed = scores["student-f1"], scores["student-f0"], scores["student-scrubbed"]
    print({name: (s.loose.value, s.strict.value) for name, s in scores.items()})
    assert full.loose.value >= 0.1 and full.strict.value >= 0.1
    # Loose counts invented identities too (as the paper defines it), and the untrained student's
    # one-word babble to "What is your name?" ("Ontace.") reads as a name it gives itself; it never
    # claims a source's identity.
    assert none.strict.value == 0 and none.loose.value < full.loose.value
    assert full.strict.low > none.strict.high  # the intervals do not overlap
    # ICE cannot see the scrubbed student's teacher (RSE can: see the test above).
    assert scrubbed.strict.value <= 0.02
