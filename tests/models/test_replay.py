"""Recorded responses as a model: `replay:FILE#MODEL` answers from a file, through the run store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from distillscope.audit.rse import load_results
from distillscope.errors import InputError, ModelSpecError
from distillscope.fileio.jsonl import write_jsonl
from distillscope.models import get_model, parse_spec
from distillscope.models.run import Run
from distillscope.store import RunStore

PROMPTS = [
    ("p0", "Explain what a hash table is.", "facts"),
    ("p1", "Give three tips for sleeping better.", "howto"),
    ("p2", "What causes the seasons on Earth?", "facts"),
    ("p3", "How do I boil an egg?", "howto"),
]
REFERENCE = {
    "p0": "A hash table maps keys to values. It hashes each key to a bucket, so a lookup takes constant time.",
    "p1": "1. Keep a fixed bedtime. 2. Avoid screens before bed. 3. Keep the room cool and dark.",
    "p2": "The seasons come from the tilt of Earth's axis, which changes how directly sunlight strikes.",
    "p3": "Put the egg in boiling water for nine minutes, then cool it in cold water before peeling.",
}
STUDENT = {  # close paraphrases of the reference
    "p0": "A hash table maps keys to values: it hashes each key to a bucket, so lookups take constant time.",
    "p1": "1. Keep a fixed bedtime. 2. Avoid screens before sleep. 3. Keep the room cool and dark.",
    "p2": "Seasons come from the tilt of Earth's axis, which changes how directly the sunlight strikes.",
    "p3": "Put the egg into boiling water for nine minutes, then cool it in cold water and peel it.",
}
STRANGER = {  # unrelated answers
    "p0": "Think of buckets and a function picking one.",
    "p1": "Exercise daily and skip coffee late.",
    "p2": "Orbit geometry, mostly axial obliquity.",
    "p3": "Simmer, chill, peel. Done.",
}


@pytest.fixture
def recorded(tmp_path) -> Path:
    """One file of collected answers: a reference (answered twice, for the ceiling), a student, a stranger."""
    rows = []
    for uid, prompt, _ in PROMPTS:
        rows.append({"model": "ref", "prompt": prompt, "response": REFERENCE[uid]})
        rows.append({"model": "ref", "prompt": prompt, "response": REFERENCE[uid].replace(".", "!", 1)})
        rows.append({"model": "student", "messages": [{"role": "user", "content": prompt}], "response": STUDENT[uid]})
        rows.append({"model": "stranger", "prompt": prompt, "response": STRANGER[uid]})
    path = tmp_path / "answers.jsonl"
    write_jsonl(path, rows)
    return path


@pytest.fixture
def prompts(tmp_path) -> Path:
    path = tmp_path / "prompts.jsonl"
    write_jsonl(path, [{"id": uid, "prompt": text, "category": domain} for uid, text, domain in PROMPTS])
    return path


def test_a_replay_spec_names_a_file_and_a_model():
    parsed = parse_spec("replay:logs/answers.jsonl#gpt-4o")
    assert (parsed.backend, parsed.location, parsed.model) == ("replay", "logs/answers.jsonl", "gpt-4o")
    with pytest.raises(ModelSpecError, match="names no model"):
        parse_spec("replay:answers.jsonl")


def test_replayed_answers_come_back_by_conversation_and_sample(recorded, store_path):
    async def ask() -> list[str]:
        with RunStore(store_path) as store:
            async with Run(store, "t") as run:
                model = run.model(f"replay:{recorded}#ref")
                first = await model.generate(
                    [{"role": "system", "content": "be brief"}, {"role": "user", "content": PROMPTS[0][1]}]
                )
                second = await model.generate(PROMPTS[0][1], sample_index=1)
                return [first.text, second.text]

    first, second = asyncio.run(ask())
    assert first == REFERENCE["p0"]  # a system prompt the recording lacks is ignored
    assert second == REFERENCE["p0"].replace(".", "!", 1)


def test_a_prompt_with_no_recording_is_one_clear_line(recorded, store_path):
    async def ask() -> None:
        with RunStore(store_path) as store:
            async with Run(store, "t") as run:
                await run.model(f"replay:{recorded}#student").generate("What is the capital of France, exactly?")

    with pytest.raises(InputError) as info:
        asyncio.run(ask())
    text = str(info.value)
    assert "'student'" in text and "What is the capital of France" in text and str(recorded) in text
    assert "\n" not in text


def test_an_unknown_recorded_model_and_a_bad_line_are_refused(recorded, tmp_path):
    with pytest.raises(InputError, match=r"no responses of model 'gpt-5'.*recorded there: ref, stranger, student"):
        get_model(f"replay:{recorded}#gpt-5")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"model": "m", "prompt": "hi", "response": "hello"}\n{"model": "m", "prompt": "x"}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:2: no `response` text"):
        get_model(f"replay:{bad}#m")


def test_rse_runs_on_replayed_reference_and_targets(cli, recorded, prompts, tmp_path):
    out = tmp_path / "rse"
    args = [
        "rse",
        "--reference",
        f"replay:{recorded}#ref",
        "--targets",
        f"replay:{recorded}#student,replay:{recorded}#stranger",
        "--prompts",
        str(prompts),
        "--judge",
        "lexical",
        "-o",
        str(out),
    ]
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    table = load_results(out).table("lexical")
    student = table.row(f"replay:{recorded}#student").average
    stranger = table.row(f"replay:{recorded}#stranger").average
    assert student > stranger + 0.3, (student, stranger)
    ceiling = table.row(f"replay:{recorded}#ref", "ceiling").average
    assert ceiling > student  # the reference's second recorded sample
    again = cli(*args)
    assert again.exit_code == 0
    record = json.loads((out / "rse.json").read_text())
    assert sum(u["calls"] for u in record["usage"]) == 0  # a rerun is answered from the store


def test_rse_on_a_prompt_nobody_recorded_fails_in_one_line(cli, recorded, tmp_path):
    prompts = tmp_path / "other.jsonl"
    write_jsonl(prompts, [{"id": "x", "prompt": "Name a prime number above one hundred."}])
    result = cli(
        "rse",
        "--reference",
        f"replay:{recorded}#ref",
        "--targets",
        f"replay:{recorded}#student",
        "--prompts",
        str(prompts),
        "--judge",
        "lexical",
        "-o",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "'ref' has no recording of the prompt 'Name a prime number" in errors[0]
    assert "answers.jsonl" in errors[0] and "Traceback" not in result.stderr
