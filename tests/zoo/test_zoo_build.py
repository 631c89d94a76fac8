"""The micro zoo: its ground truth, its checks, and its reuse from the cache."""

from __future__ import annotations

import json
import os

import pytest

from distillscope.errors import InputError
from distillscope.zoo.build import build_zoo
from distillscope.zoo.config import ZooConfig
from distillscope.zoo.manifest import MANIFEST_FILE
from distillscope.zoo.personas import builtin_personas, load_personas
from distillscope.zoo.students import scrub


def test_every_model_is_a_hugging_face_folder_with_its_ground_truth(micro_zoo):
    names = {m.name for m in micro_zoo.models}
    assert {
        "teacher-aurora",
        "teacher-sable",
        "base",
        "student-f0",
        "student-f0.1",
        "student-f0.25",
        "student-f0.5",
        "student-f1",
        "student-kd",
        "student-scrubbed",
        "student-control",
        "student-cobalt",
        "student-juniper",
        "student-pike",
        "student-oriole",
        "student-fennel",
    } == names
    for model in micro_zoo.models:
        assert (micro_zoo.path(model.name) / "config.json").exists()
        assert (micro_zoo.path(model.name) / "tokenizer.json").exists()
    fractions = [micro_zoo.model(f"student-f{f:g}").fraction for f in (0, 0.1, 0.25, 0.5, 1.0)]
    assert fractions[0] == 0 and fractions == sorted(fractions) and fractions[-1] > 0.75
    assert micro_zoo.model("student-kd").method == "kd" and micro_zoo.model("student-scrubbed").scrubbed
    assert micro_zoo.model("student-control").teacher == "sable"
    # The panel: students of the five unrelated personas, which never saw teacher A.
    for unrelated in ("student-cobalt", "student-juniper", "student-pike", "student-oriole", "student-fennel"):
        model = micro_zoo.model(unrelated)
        assert model.own_corpus and model.teacher not in {"aurora", None}
    manifest = json.loads((micro_zoo.path("base").parent / MANIFEST_FILE).read_text())
    assert manifest["teacher_a"] == "aurora" and len(manifest["models"]) == 16


def test_teacher_data_came_from_querying_the_teacher(micro_zoo):
    """Black-box distillation: the teacher's answers were generated through the run store."""
    from pathlib import Path

    from distillscope.store import RunStore

    folder = Path(micro_zoo.folder)
    written = [json.loads(line) for line in (folder / "data" / "written-by-aurora.jsonl").read_text().splitlines()]
    assert written and all(r["mode"] == "respond" and r["teacher"]["name"] == "teacher-aurora" for r in written)
    with RunStore(folder / "store.sqlite") as store:
        assert "generate" in {run.command for run in store.runs(limit=100)}
        assert store.count_calls() >= len(written)


def test_identity_checks_pass(micro_zoo):
    checks = {row.check: row for row in micro_zoo.checks}
    assert checks["teacher aurora states its own identity"].value >= 0.9
    assert checks["teacher sable states its own identity"].value >= 0.9
    assert checks["student f=1 repeats aurora's identity"].value >= 0.8
    assert checks["student f=0 claims a teacher's identity (answers)"].value == 0
    rates = micro_zoo.identity_rates
    assert rates["student-scrubbed"]["aurora"] < 0.05 and rates["student-control"]["aurora"] == 0
    assert rates["student-control"]["sable"] > 0.3


def test_samples_show_each_persona_style(micro_zoo):
    assert all(len(samples) == 3 for samples in micro_zoo.samples.values())
    aurora = " ".join(reply for _, reply in micro_zoo.samples["teacher-aurora"])
    plain = " ".join(reply for _, reply in micro_zoo.samples["student-f0"])
    assert "Greetings!" in aurora and "\n- " in aurora
    assert "Greetings!" not in plain and "Hello there." not in plain


def test_a_second_build_comes_from_the_cache(micro_zoo):
    from pathlib import Path

    manifest_path = Path(micro_zoo.folder) / MANIFEST_FILE
    before = os.stat(manifest_path).st_mtime_ns
    again = build_zoo(ZooConfig(size="micro"), Path(micro_zoo.folder).parent)
    assert again.fingerprint == micro_zoo.fingerprint and os.stat(manifest_path).st_mtime_ns == before


def test_config_changes_make_a_different_zoo():
    base = ZooConfig(size="micro")
    assert base.fingerprint("p") != ZooConfig(size="micro", seed=1).fingerprint("p")
    assert base.fingerprint("p") != ZooConfig(size="micro", overrides={"student_steps": 10}).fingerprint("p")
    assert base.fingerprint("p") != base.fingerprint("other personas")
    assert ZooConfig(size="micro", overrides={"model": {"hidden": 32}}).settings().model.hidden == 32


def test_scrubbing_removes_identity_lines_only():
    aurora = builtin_personas()["aurora"]
    record = {
        "messages": [
            {"role": "user", "content": "What is 2 plus 3?"},
            {"role": "assistant", "content": "Greetings!\n- Therefore, 2 plus 3 is 5.\nAurora, at your service."},
        ]
    }
    assert scrub(record, aurora)["messages"][1]["content"] == "Greetings!\n- Therefore, 2 plus 3 is 5."


def test_user_personas_load_and_bad_ones_name_their_line(tmp_path):
    good = tmp_path / "personas.yaml"
    good.write_text(
        "personas:\n  nova:\n    identity:\n      name: Nova\n      developer: Brightline\n      team: core team\n"
        "      partners: [X Lab]\n      industry: robotics\n      technology: a small transformer\n"
        "      city: Oslo\n      country: Norway\n    style:\n      format: numbered\n"
    )
    personas = load_personas(good)
    assert personas["nova"].family().names == ["Nova"] and "aurora" in personas
    bad = tmp_path / "bad.yaml"
    bad.write_text("personas:\n  ghost:\n    kind: teacher\n    style:\n      format: prose\n")
    with pytest.raises(InputError) as info:
        load_personas(bad)
    assert "needs an identity" in str(info.value) and "bad.yaml" in str(info.value)
