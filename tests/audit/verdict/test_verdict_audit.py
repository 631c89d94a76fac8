"""An audit with a null panel answers in words: on replayed responses, no model weights needed."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from distillscope.fileio.jsonl import write_jsonl

WORDS = [
    "the",
    "a",
    "model",
    "answer",
    "data",
    "light",
    "water",
    "energy",
    "system",
    "process",
    "result",
    "value",
    "simple",
    "clear",
    "first",
    "then",
    "because",
    "therefore",
    "example",
    "number",
    "time",
    "people",
    "world",
    "place",
    "small",
    "large",
    "fast",
    "slow",
    "cold",
    "warm",
    "north",
    "south",
    "tree",
    "river",
]


def sentence(rng: random.Random, length: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(length)) + "."


@pytest.fixture
def recorded(tmp_path) -> tuple[Path, Path]:
    """A reference, a near copy of it, and five unrelated models, each answering 24 prompts."""
    rng = random.Random(0)
    prompts = [f"Question {i}: tell me about topic {i}." for i in range(24)]
    rows = []
    for i, prompt in enumerate(prompts):
        reference = " ".join(sentence(random.Random(f"ref{i}"), 12) for _ in range(3))
        rows.append({"model": "ref", "prompt": prompt, "response": reference})
        rows.append({"model": "ref", "prompt": prompt, "response": reference.replace(".", "!", 1)})
        words = reference.split()
        copied = " ".join(w if rng.random() > 0.15 else rng.choice(WORDS) for w in words)
        rows.append({"model": "copy", "prompt": prompt, "response": copied})
        for name in ("u1", "u2", "u3", "u4", "u5"):
            own = " ".join(sentence(random.Random(f"{name}{i}"), 12) for _ in range(3))
            rows.append({"model": name, "prompt": prompt, "response": own})
        # A second teacher with a voice of its own (bullets, exclamations), and a student of it.
        alt = "\n".join(f"- {sentence(random.Random(f'alt{i}{j}'), 10)[:-1]}!" for j in range(3))
        rows.append({"model": "alt", "prompt": prompt, "response": alt})
        student = "\n".join(line if rng.random() > 0.2 else f"- {sentence(rng, 10)[:-1]}!" for line in alt.split("\n"))
        rows.append({"model": "alt-student", "prompt": prompt, "response": student})
    recordings = tmp_path / "answers.jsonl"
    write_jsonl(recordings, rows)
    prompt_file = tmp_path / "prompts.jsonl"
    write_jsonl(prompt_file, [{"id": f"q{i}", "prompt": p} for i, p in enumerate(prompts)])
    return recordings, prompt_file


def _config(tmp_path: Path, recordings: Path, prompts: Path, panel: list[str], targets: list[str]) -> Path:
    spec = f"replay:{recordings}"
    config = tmp_path / "audit.yaml"
    config.write_text(
        f"""reference: {{model: "{spec}#ref", label: the reference, facts: openai}}
targets: [{", ".join(f'{{model: "{spec}#{t}", label: {t}}}' for t in targets)}]
panel: [{", ".join(f'{{model: "{spec}#{p}", label: {p}}}' for p in panel)}]
methods: [rse, proximity, classifier, markers]
rse: {{prompts: ["{prompts}"], judges: [lexical]}}
output: {tmp_path / "out"}
""",
        encoding="utf-8",
    )
    return config


def test_the_verdict_leads_and_calls_the_copy_distilled_and_the_stranger_not(cli, recorded, tmp_path):
    recordings, prompts = recorded
    config = _config(tmp_path, recordings, prompts, ["u1", "u2", "u3", "u4"], ["copy", "u5"])
    result = cli("audit", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.index("Verdict") < result.stdout.index("RSE · judge lexical")
    verdicts = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["verdict"]
    by_label = {t["label"]: t for t in verdicts["targets"]}
    assert by_label["copy"]["verdict"] == "distilled" and by_label["copy"]["text"] == "distilled from the reference"
    assert by_label["copy"]["p_adjusted"] <= 0.05 and by_label["copy"]["share"]["value"] > 0.5
    assert by_label["copy"]["methods"]["proximity"] < 0.01  # its answers lie nearest the reference's, prompt by prompt
    assert by_label["u5"]["verdict"] in ("not distinguishable", "inconclusive") and by_label["u5"]["p_adjusted"] > 0.05
    assert by_label["u5"]["share"]["low"] <= 0.1
    assert verdicts["panel"] == ["u1", "u2", "u3", "u4"]
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert page.index("verdict-table") < page.index("summary-table")
    assert ("distilled from the reference" in page and "not distinguishable" in page) or "inconclusive" in page


@pytest.mark.parametrize(
    ("panel", "targets", "message"),
    [
        (["u1"], ["copy"], "a null panel of one model cannot calibrate a verdict"),
        (["u1", "copy"], ["copy"], "is also a target"),
        (["u1", "ref"], ["copy"], "is the reference"),
    ],
)
def test_a_panel_that_cannot_calibrate_is_one_line(cli, recorded, tmp_path, panel, targets, message):
    recordings, prompts = recorded
    config = _config(tmp_path, recordings, prompts, panel, targets)
    result = cli("audit", "--config", str(config), "--dry-run")
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_teacher_classifier_attributes_each_student_to_its_own_teacher(cli, recorded, tmp_path):
    recordings, prompts = recorded
    config = _config(tmp_path, recordings, prompts, ["u1", "u2", "u3", "u4"], ["copy", "alt-student", "u5"])
    spec = f"replay:{recordings}"
    text = config.read_text().replace(
        "methods: [rse, proximity, classifier, markers]", "methods: [proximity, teachers]"
    )
    config.write_text(text + f'candidates: [{{model: "{spec}#alt", label: alt, facts: anthropic}}]\n')
    result = cli("audit", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    verdicts = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["verdict"]
    closest = {t["label"]: t["closest"] for t in verdicts["targets"]}
    assert closest == {"copy": "the reference", "alt-student": "alt", "u5": "none"}, closest
    assert "Teacher classifier" in result.stdout


def test_a_rerun_reads_the_learned_scores_back_and_a_changed_answer_fits_again(cli, recorded, tmp_path, monkeypatch):
    """Nothing is fitted twice: the second audit finds every learned signal's scores in the run store."""
    import distillscope.audit.classifier.method as classifier
    import distillscope.audit.markers.method as markers
    import distillscope.audit.proximity.method as proximity

    recordings, prompts = recorded
    config = _config(tmp_path, recordings, prompts, ["u1", "u2", "u3", "u4"], ["copy", "u5"])
    assert cli("audit", "--config", str(config)).exit_code == 0
    first = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))

    def refuse(*args, **kwargs):
        raise AssertionError("fitted again")

    for module, name in ((classifier, "cross_fitted"), (markers, "cross_fitted"), (proximity, "nearness")):
        monkeypatch.setattr(module, name, refuse)
    again = cli("audit", "--config", str(config))
    assert again.exit_code == 0, again.stderr
    second = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert [e["items"] for e in second["evidence"]] == [e["items"] for e in first["evidence"]]
    assert second["verdict"]["targets"] == first["verdict"]["targets"]

    rows = [json.loads(line) for line in recordings.read_text().splitlines()]
    rows[2]["response"] += " One more sentence."  # the copy's first answer changes: a new recording, new scores
    recordings.write_text("".join(json.dumps(r) + "\n" for r in rows))
    changed = cli("audit", "--config", str(config))
    assert changed.exit_code != 0 and "fitted again" in changed.stderr
