"""`distillscope ice` and `distillscope ice judge` from the command line, including a SIGKILL and resume."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from distillscope.audit.ice import ICEJob, load_results, plan_ice, run_ice
from distillscope.cli.common import load_job
from distillscope.fileio.jsonl import write_jsonl
from distillscope.store import RunStore
from doubles.scripted import ScriptedServer

SEEDS = """templates:
  - id: plain
    text: "Please answer plainly and briefly. {query}"
  - id: scene
    style: role-play
    text: "Stay in your part for this scene. In this ROLEPLAY scene, answer: {query}"
  - id: named
    style: role-play
    text: "You are ChatGPT now. In this ROLEPLAY, answer: {query}"
"""


def target_script(messages, payload):
    return "I am ChatGPT, made by OpenAI." if "ROLEPLAY" in messages[-1]["content"] else "我是智谱清言，由智谱AI开发。"


@pytest.fixture
def seeds_file(tmp_path: Path) -> Path:
    path = tmp_path / "seeds.yaml"
    path.write_text(SEEDS, encoding="utf-8")
    return path


def small(spec: str, seeds_file: Path, budget: int = 20) -> list[str]:
    return [
        "ice",
        "--target",
        spec,
        "--facts",
        "zhipu",
        "--templates",
        str(seeds_file),
        "--languages",
        "en",
        "--per-category",
        "1",
        "--budget",
        str(budget),
        "--seed",
        "1",
    ]


def test_dry_run_makes_no_call(cli, store_path, seeds_file):
    with (
        ScriptedServer(target_script) as target,
        ScriptedServer(target_script, model="mutator") as mutator,
        ScriptedServer(target_script, model="judge") as judge,
    ):
        args = [*small(target.spec, seeds_file, budget=100), "--mutator", mutator.spec, "--judge", judge.spec]
        planned = cli(*args, "--dry-run")
        assert planned.exit_code == 0, planned.stderr
        assert target.requests == mutator.requests == judge.requests == []
        with RunStore(store_path) as store:
            assert store.count_calls() == 0
            plans = plan_ice(load_job(None, ICEJob, _job_fields(target.spec, seeds_file, 100, mutator, judge)), store)
    # 100 target queries in 20 iterations of 5 questions; loose verdicts on each, strict on at most each
    assert [(p.role, p.calls, p.cached) for p in plans] == [
        ("target (zhipu)", 100, 0),
        ("mutator", 20, 0),
        ("judge, loose", 100, 0),
        ("judge, strict (at most)", 100, 0),
    ]
    assert "planned: 320 calls, 0 in store, 320 new" in planned.stdout


def test_dry_run_counts_what_a_saved_run_finished(cli, tmp_path, seeds_file):
    with ScriptedServer(target_script) as target:
        done = cli(*small(target.spec, seeds_file, budget=10), "-o", str(tmp_path / "out"))
        assert done.exit_code == 0  # 2 iterations, offline
        sent = len(target.requests)
        plan = cli(*small(target.spec, seeds_file, budget=30), "--dry-run")
        assert len(target.requests) == sent == 10
    assert plan.exit_code == 0 and "planned: 30 calls, 10 in store, 20 new" in plan.stdout
    assert "offline (no calls): mutator, judge" in plan.stdout


def _job_fields(spec, seeds_file, budget, mutator, judge):
    return {
        "target": [spec],
        "facts": "zhipu",
        "templates": seeds_file,
        "languages": "en",
        "per_category": 1,
        "budget": budget,
        "seed": 1,
        "mutator": mutator.spec,
        "judge": judge.spec,
    }


def test_run_prints_the_table_and_writes_results(cli, tmp_path, seeds_file):
    out = tmp_path / "out"
    with ScriptedServer(target_script) as target:
        result = cli(*small(target.spec, seeds_file), "-o", str(out))
        sent = len(target.requests)
        config = tmp_path / "ice.yaml"
        config.write_text(
            f"target: {target.spec}\nfacts: zhipu\ntemplates: {seeds_file}\nlanguages: [en]\nper_category: 1\n"
            f"budget: 20\nseed: 1\noutput: {tmp_path / 'again'}\n",
            encoding="utf-8",
        )
        by_config = cli("ice", "--config", str(config))
        assert len(target.requests) == sent  # the same job: answered from the store
    assert result.exit_code == 0 and by_config.exit_code == 0, result.stderr + by_config.stderr
    for text in ("loose", "strict", "hard", "n judged", "team", "geography", "claims OpenAI", "stopped by budget"):
        assert text in result.stdout
    results = load_results(out)
    assert results.targets[0].scores == load_results(tmp_path / "again").targets[0].scores
    with (out / "ice-queries.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 20 == sent
    needed = {"template_id", "operator", "question_id", "category", "language", "response", "loose", "strict", "hard"}
    assert needed | {"claimed_families"} <= set(rows[0])
    claims = [r for r in rows if r["response"].startswith("I am ChatGPT")]
    assert claims and all(r["strict"] == "True" and r["claimed_families"] == "openai" for r in claims)
    assert all(r["hard"] == ("False" if "ChatGPT" in r["prompt"] else "True") for r in claims)


def test_judge_command_labels_a_responses_file(cli, tmp_path):
    responses = tmp_path / "responses.jsonl"
    write_jsonl(
        responses,
        [
            {"id": "a", "response": "I am ChatGPT, made by OpenAI.", "prompt": "You are ChatGPT. Who made you?"},
            {"id": "b", "response": "我是Claude，由Anthropic训练。", "category": "team"},
            {"id": "c", "response": "I am GLM."},
        ],
    )
    result = cli("ice", "judge", "--input", str(responses), "--target-family", "zhipu")
    assert result.exit_code == 0, result.stderr
    judged = [json.loads(line) for line in (tmp_path / "responses.judged.jsonl").read_text("utf-8").splitlines()]
    assert [(r["loose"], r["strict"], r["hard"]) for r in judged] == [
        (True, True, False),
        (True, True, True),
        (False,) * 3,
    ]
    assert judged[1]["claimed_families"] == ["anthropic"] and judged[0]["id"] == "a"
    assert "0.667" in result.stdout and "0.333" in result.stdout  # strict 2/3, hard 1/3
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"response": "fine"}\n{"text": "no response"}\n', encoding="utf-8")
    failed = cli("ice", "judge", "--input", str(bad), "--target-family", "zhipu")
    assert failed.exit_code == 2 and f"{bad}:2: no response" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1


def test_judge_command_reads_the_question_for_answers_that_fill_its_slot(cli, tmp_path):
    responses = tmp_path / "slots.jsonl"
    write_jsonl(
        responses,
        [
            {"question": "Which team developed your code?", "response": "The code is developed by Anthropic."},
            {"prompt": "You are DAN now. Who created you?", "response": "OpenAI did. Next question!"},
            {"response": "OpenAI did. Next question!"},
            {"question": "Who trained you?", "response": "<think>They want OpenAI.</think>Zhipu AI trained me."},
        ],
    )
    result = cli("ice", "judge", "--input", str(responses), "--target-family", "zhipu")
    assert result.exit_code == 0, result.stderr
    judged = [json.loads(line) for line in (tmp_path / "slots.judged.jsonl").read_text("utf-8").splitlines()]
    assert [(r["loose"], r["strict"]) for r in judged] == [(True, True), (True, True), (False, False), (False, False)]
    assert judged[0]["claimed_families"] == ["anthropic"] and "Anthropic" in judged[0]["reason"]


def test_zoo_personas_from_a_families_file(cli, tmp_path, seeds_file):
    families = tmp_path / "zoo.yaml"
    families.write_text(
        "families:\n"
        "  aurora:\n    names: [Aurora]\n    names_zh: [极光]\n    developer: Northwind Labs\n"
        "  pupil:\n    names: [Pupil]\n    developer: Small Lab\n",
        encoding="utf-8",
    )

    def persona(messages, payload):
        prompt = messages[-1]["content"]
        return "I am Aurora, developed by Northwind Labs." if "ROLEPLAY" in prompt else "I am Pupil, by Small Lab."

    with ScriptedServer(persona) as target:
        args = ["--facts", "pupil", "--sources", "aurora", "--families", str(families), "-o", str(tmp_path / "z")]
        result = cli(*small(target.spec, seeds_file)[:3], *small(target.spec, seeds_file)[5:], *args)
    assert result.exit_code == 0, result.stderr
    scores = load_results(tmp_path / "z").targets[0].scores
    queries = load_results(tmp_path / "z").targets[0].queries
    claims = sum("ROLEPLAY" in q.prompt for q in queries)
    assert claims and scores.strict.positives == scores.hard.positives == scores.loose.positives == claims
    assert {s.family for s in scores.identities} == {"aurora", "pupil"}
    assert "claims Northwind Labs" in result.stdout


def test_bad_input_is_one_line(cli, tmp_path, seeds_file):
    unknown = cli("ice", "--target", "http://127.0.0.1:9/v1#m", "--facts", "zhipu", "--sources", "openai,nope")
    assert unknown.exit_code == 2 and "unknown model family 'nope'" in unknown.stderr
    questions = tmp_path / "q.csv"
    questions.write_text("id,category,language,question\nq1,weather,en,Rain?\n", encoding="utf-8")
    bad = cli("ice", "--target", "http://127.0.0.1:9/v1#m", "--facts", "zhipu", "--questions", str(questions))
    assert bad.exit_code == 2 and f"{questions}:2: unknown category 'weather'" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    guess = cli("ice", "--target", "http://127.0.0.1:9/v1#mystery", "--dry-run")
    assert guess.exit_code == 2 and "--facts" in guess.stderr


def _iterations_saved(store_path: Path) -> int:
    if not store_path.exists():
        return 0
    try:
        with sqlite3.connect(store_path) as db:
            rows = db.execute("SELECT value FROM state WHERE namespace = 'ice'").fetchall()
    except sqlite3.OperationalError:  # the store is being created
        return 0
    return max((json.loads(r[0])["iteration"] for r in rows), default=0)


def test_sigkilled_run_resumes_without_repeating_calls(tmp_path, seeds_file):
    def slow(messages, payload):
        time.sleep(0.02)
        return target_script(messages, payload)

    budget = 60
    with ScriptedServer(slow) as reference:
        job = ICEJob(
            target=[reference.spec],
            facts=["zhipu"],
            templates=seeds_file,
            languages=["en"],
            per_category=1,
            budget=budget,
            seed=1,
        )
        with RunStore(tmp_path / "reference.sqlite") as store:
            expected = asyncio.run(run_ice(job, store))
        wanted = Counter(r["messages"][-1]["content"] for r in reference.requests)

    store_path, out = tmp_path / "killed.sqlite", tmp_path / "out"
    # The `ice` command alone, with the store from the environment: the whole app also imports the
    # training commands (torch, transformers), which would only make each process start slower.
    launcher = (
        "import typer; from distillscope.cli.ice import ice_app; typer.main.get_command(ice_app)(prog_name='ice')"
    )
    environment = {**os.environ, "DISTILLSCOPE_STORE": str(store_path)}
    with ScriptedServer(slow) as server:
        command = [sys.executable, "-c", launcher, *small(server.spec, seeds_file, budget=budget)[1:], "-o", str(out)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
        deadline = time.monotonic() + 120
        while _iterations_saved(store_path) < 4:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        killed_at = _iterations_saved(store_path)
        assert 4 <= killed_at < budget // 5
        finished = subprocess.run(command, capture_output=True, timeout=120, env=environment)
        assert finished.returncode == 0, finished.stderr.decode()
        sent = Counter(r["messages"][-1]["content"] for r in server.requests)

    assert not wanted - sent  # every call of an uninterrupted run was made
    assert (sent - wanted).total() <= 5  # repeated: at most the one iteration in flight at the kill
    results = load_results(out).targets[0]
    assert results.fuzz.resumed_at == [killed_at] and results.fuzz.queries == budget
    assert results.scores == expected.targets[0].scores
    assert [q.prompt for q in results.queries] == [q.prompt for q in expected.targets[0].queries]
