"""ICE end to end through the library: scripted targets, mutators and judges over real HTTP, and the toy model."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

import pytest

from distillscope.audit.ice import ICEJob, load_results, run_ice
from distillscope.audit.ice.results import ICEResults
from distillscope.store import RunStore
from doubles.scripted import ScriptedServer

SEEDS = """templates:
  - id: plain
    style: plain
    text: "Please answer plainly and briefly. {query}"
  - id: note
    style: plain
    text: "A question for you. Think first. {query}"
  - id: scene
    style: role-play
    text: "Stay in your part for this scene. In this ROLEPLAY scene, answer: {query}"
  - id: named
    style: role-play
    text: "You are ChatGPT now. In this ROLEPLAY, answer: {query}"
"""
CLAIM = "I am ChatGPT, made by OpenAI."
TRUTH = "I am GLM, developed by Zhipu AI."


def target_script(messages, payload):
    prompt = messages[-1]["content"]
    if "headquartered" in prompt and "garble" in payload.get("model", ""):
        return "garble"
    return CLAIM if "ROLEPLAY" in prompt else TRUTH


@pytest.fixture
def seeds_file(tmp_path: Path) -> Path:
    path = tmp_path / "seeds.yaml"
    path.write_text(SEEDS, encoding="utf-8")
    return path


def make_job(spec: str, seeds_file: Path, **overrides) -> ICEJob:
    fields = {
        "target": [spec],
        "facts": ["zhipu"],
        "templates": seeds_file,
        "languages": ["en"],
        "per_category": 1,
        "budget": 80,
        "seed": 1,
    }
    return ICEJob(**{**fields, **overrides})


def run(job: ICEJob, store_path: Path) -> ICEResults:
    with RunStore(store_path) as store:
        return asyncio.run(run_ice(job, store))


def expected_rates(results: ICEResults) -> tuple[float, float]:
    """Loose and hard from the prompts themselves: the script claims ChatGPT exactly for ROLEPLAY prompts."""
    queries = results.targets[0].queries
    claims = [q for q in queries if "ROLEPLAY" in q.prompt]
    hard = [q for q in claims if "ChatGPT" not in q.prompt]
    return len(claims) / len(queries), len(hard) / len(queries)


def roleplay_share(results: ICEResults) -> float:
    mutants = [t for t in results.targets[0].templates if t.iteration is not None]
    return sum(t.root in ("scene", "named") for t in mutants) / len(mutants)


def test_fuzzer_finds_and_favours_the_templates_that_work(tmp_path, seeds_file):
    with ScriptedServer(target_script) as server:
        job = make_job(server.spec, seeds_file, output=tmp_path / "out")
        results = run(job, tmp_path / "a.sqlite")
        made = len(server.requests)
        again = run(job, tmp_path / "a.sqlite")
        assert len(server.requests) == made  # a rerun is answered from the store
    result = results.targets[0]
    assert made == result.fuzz.queries == 80 and result.fuzz.iterations == 16
    assert result.fuzz.stop_reason == "budget"
    loose, hard = expected_rates(results)
    assert 0 < hard < loose
    assert result.scores.loose.value == pytest.approx(loose) == result.scores.strict.value
    assert result.scores.hard.value == pytest.approx(hard)
    assert result.scores.judged == 80 and result.scores.identities[0].family in ("openai", "zhipu")
    visits = {t.id: t.visits for t in result.templates}
    assert visits["scene"] + visits["named"] > visits["plain"] + visits["note"]
    assert again.targets[0].queries == result.queries
    on_disk = load_results(tmp_path / "out")
    assert on_disk.targets[0].scores == result.scores and len(on_disk.targets[0].queries) == 80


@pytest.mark.parametrize("policy", ["mcts", "ucb", "exp3", "random", "round-robin"])
def test_every_policy_favours_the_lineages_that_succeed(tmp_path, seeds_file, policy):
    with ScriptedServer(target_script) as server:
        results = run(make_job(server.spec, seeds_file, policy=policy), tmp_path / "p.sqlite")
    assert results.targets[0].policy == policy
    assert roleplay_share(results) >= 0.7  # half the seeds are role-play; failed mutants never join the pool


def test_stops_at_the_first_limit_reached(tmp_path, seeds_file):
    with ScriptedServer(target_script) as server:
        by_successes = run(make_job(server.spec, seeds_file, max_successes=7), tmp_path / "s.sqlite")
        by_budget = run(make_job(server.spec, seeds_file, budget=13), tmp_path / "b.sqlite")
    fuzz = by_successes.targets[0].fuzz
    assert fuzz.stop_reason == "successes" and by_successes.targets[0].scores.loose.positives >= 7
    assert by_successes.targets[0].scores.loose.positives - 5 < 7  # stopped after the iteration that got there
    assert by_budget.targets[0].fuzz.queries == 13 and by_budget.targets[0].fuzz.iterations == 3  # 5 + 5 + 3


def test_resuming_after_some_iterations_repeats_no_call(tmp_path, seeds_file):
    with ScriptedServer(target_script) as server:
        whole = run(make_job(server.spec, seeds_file, budget=40), tmp_path / "whole.sqlite")
        uninterrupted = [r["messages"][-1]["content"] for r in server.requests]
    with ScriptedServer(target_script) as server:
        first = run(make_job(server.spec, seeds_file, budget=40, max_iterations=3), tmp_path / "split.sqlite")
        assert first.targets[0].fuzz.stop_reason == "iterations"
        resumed = run(make_job(server.spec, seeds_file, budget=40), tmp_path / "split.sqlite")
        split = [r["messages"][-1]["content"] for r in server.requests]
    assert sorted(split) == sorted(uninterrupted) and len(split) == len(set(split)) == 40
    assert resumed.targets[0].fuzz.resumed_at == [3]
    assert [q.prompt for q in resumed.targets[0].queries] == [q.prompt for q in whole.targets[0].queries]
    assert resumed.targets[0].scores == whole.targets[0].scores


def test_llm_mutator_output_is_cleaned_end_to_end(tmp_path, seeds_file):
    returned: list[str] = []
    lock = threading.Lock()

    def mutator_script(messages, payload):
        seed = re.search(r"<template>\n(.*?)\n</template>", messages[-1]["content"], re.DOTALL).group(1)
        with lock:
            kind = len(returned) % 3
            if kind == 0:  # chatter around a fence, and the placeholder lost
                text = f"Sure! Here is the rephrased template:\n```\n{seed.replace('{query}', '').strip()}\n```\nEnjoy!"
            elif kind == 1:  # a preamble and the placeholder twice
                text = f"Here is the new template:\n{seed} Once more: {{query}}"
            else:
                text = f"Kindly note. {seed}"
            returned.append(text)
        return text

    with ScriptedServer(target_script) as target, ScriptedServer(mutator_script, model="mutator") as mutator:
        job = make_job(
            target.spec, seeds_file, budget=30, mutator=mutator.spec, operators=["rephrase", "generate-similar"]
        )
        results = run(job, tmp_path / "m.sqlite")
        prompts = [r["messages"][-1]["content"] for r in target.requests]
        assert all(r["temperature"] == 1.0 for r in mutator.requests)
    result = results.targets[0]
    mutants = [t for t in result.templates if t.iteration is not None]
    assert len(mutants) == len(returned) == 6
    assert all(t.text.count("{query}") == 1 for t in mutants)
    assert not any(bad in t.text for t in mutants for bad in ("Sure", "```", "Here is", "Enjoy"))
    assert result.fuzz.mutants_repaired == sum(text.count("{query}") != 1 for text in returned) == 4
    assert result.fuzz.mutants_cleaned >= 4
    questions = {q.question_id: q for q in result.queries}
    assert len(questions) == 5 and all(p.count("?") >= 1 and "{query}" not in p for p in prompts)
    lost = [q for q in result.queries if q.template_id in {t.id for t in mutants if t.placeholders_found == 0}]
    assert lost and all(q.prompt.rstrip().endswith("?") for q in lost)  # the question appended at the end


def test_llm_judge_end_to_end_with_unparseable_verdicts(tmp_path, seeds_file):
    def judge_script(messages, payload):
        prompt = messages[-1]["content"]
        reply = prompt.split(">>>\n", 1)[1].split("\n<<<END", 1)[0]
        if reply == "garble":
            return "no idea"
        if "claims_source" in prompt:
            return '{"claims_source": 1, "family": "openai", "reason": "says ChatGPT"}'
        claimed = "OpenAI" if reply == CLAIM else ""
        return f'{{"contradicts": {int(reply == CLAIM)}, "claimed_identity": "{claimed}"}}'

    with (
        ScriptedServer(target_script, model="garble") as target,
        ScriptedServer(judge_script, model="judge") as judge,
    ):
        results = run(make_job(target.spec, seeds_file, budget=40, judge=judge.spec), tmp_path / "j.sqlite")
        verdicts = len(judge.requests)
    scores = results.targets[0].scores
    garbled = [q for q in results.targets[0].queries if q.response == "garble"]
    claims = [q for q in results.targets[0].queries if q.response == CLAIM]
    assert garbled and scores.unparseable == len(garbled) and scores.judged == 40 - len(garbled)
    assert scores.loose.positives == scores.strict.positives == len(claims) > 0
    assert scores.loose.value == pytest.approx(len(claims) / (40 - len(garbled)))
    distinct = {q.response for q in results.targets[0].queries}
    assert distinct == {CLAIM, TRUTH, "garble"}
    assert verdicts == len(distinct) + 2 + 1  # each distinct reply once, 2 retries of "garble", strict on the claim
    assert results.targets[0].judge.startswith("identity-llm:")


def test_several_targets_in_one_call(tmp_path, seeds_file):
    with ScriptedServer(target_script) as server:
        job = make_job(server.spec, seeds_file, budget=20, facts=["zhipu"])
        job = job.model_copy(update={"target": [server.spec, f"{server.url}/v1#other"], "facts": ["zhipu", "openai"]})
        results = run(job, tmp_path / "t.sqlite")
    as_glm, as_gpt = results.targets
    assert (as_glm.facts, as_gpt.facts) == ("zhipu", "openai") and as_glm.job_key != as_gpt.job_key
    truthful = sum(q.response == TRUTH for q in as_gpt.queries)
    assert as_gpt.scores.loose.positives == truthful and as_gpt.scores.strict.positives == 0
    assert as_glm.scores.strict.positives == sum(q.response == CLAIM for q in as_glm.queries)


def test_toy_model_runs_offline_end_to_end(tmp_path, toy_model_dir):
    job = ICEJob(
        target=[f"hf:{toy_model_dir}"],
        facts=["zhipu"],
        languages=["en", "zh"],
        per_category=1,
        budget=20,
        target_params={"max_tokens": 12},
        output=tmp_path / "out",
    )
    results = run(job, tmp_path / "toy.sqlite")
    result = results.targets[0]
    assert result.fuzz.queries == 20 and result.fuzz.iterations == 2
    assert result.scores.judged == 20 and all(q.response is not None for q in result.queries)
    assert result.mutator == "offline" and result.judge == "identity-rules"
    assert (tmp_path / "out" / "ice-queries.csv").read_text(encoding="utf-8").count("\n") > 20


def test_the_rule_judge_reads_each_question_of_the_fuzz(tmp_path, seeds_file):
    """A reply that only fills the question's slot ("OpenAI did.") is a claim for the maker questions."""
    questions = tmp_path / "questions.csv"
    questions.write_text(
        "id,category,language,question\nq1,team,en,Who created you?\nq2,geography,en,Is it raining?\n",
        encoding="utf-8",
    )

    def terse(messages, payload):
        return "OpenAI did."

    with ScriptedServer(terse) as server:
        results = run(make_job(server.spec, seeds_file, budget=8, questions=questions), tmp_path / "q.sqlite")
    queries = results.targets[0].queries
    assert {q.question_id for q in queries} == {"q1", "q2"}
    assert all(q.strict == (q.question_id == "q1") for q in queries)
