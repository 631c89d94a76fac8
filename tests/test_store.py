"""The run store: keys, reruns answered from the store, errors never cached, exports."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from distillscope.models import GenerateConfig, ModelConfig, Price
from distillscope.models.batch import ChatRequest, chat_many
from distillscope.models.run import Run
from distillscope.store import RunStore, call_key
from doubles.proxy import FaultProxy
from doubles.toy import TOY_PROMPTS

GREEDY = GenerateConfig(temperature=0, max_tokens=10)
IDENTITY = {"backend": "openai", "base_url": "http://x/v1", "model": "m"}
MESSAGES = [{"role": "user", "content": "hi"}]


def test_store_uses_wal(store_path):
    with RunStore(store_path) as store:
        assert store.journal_mode == "wal"


def test_key_depends_on_what_changes_the_output():
    base = call_key("chat", IDENTITY, {"temperature": 0}, MESSAGES, 0)
    assert base == call_key("chat", dict(IDENTITY), {"temperature": 0}, [dict(MESSAGES[0])], 0)
    variants = [
        call_key("chat", {**IDENTITY, "model": "other"}, {"temperature": 0}, MESSAGES, 0),
        call_key("chat", {**IDENTITY, "base_url": "http://y/v1"}, {"temperature": 0}, MESSAGES, 0),
        call_key("chat", IDENTITY, {"temperature": 0.7}, MESSAGES, 0),
        call_key("chat", IDENTITY, {"temperature": 0}, [{"role": "user", "content": "hi!"}], 0),
        call_key("chat", IDENTITY, {"temperature": 0}, MESSAGES, 1),
        call_key("logprobs", IDENTITY, {"temperature": 0}, MESSAGES, 0),
    ]
    assert len({base, *variants}) == len(variants) + 1


async def _answer_requests(store, config, requests):
    async with Run(store, "test") as run:
        model = run.model(config)
        results = await chat_many(model, requests)
    return run, model, results


async def _answer(store, config, prompts, gen=GREEDY):
    return await _answer_requests(store, config, [ChatRequest.of(p, config=gen) for p in prompts])


def test_rerun_is_answered_from_the_store(server, store_path):
    with FaultProxy(f"http://127.0.0.1:{server.port}") as proxy, RunStore(store_path) as store:
        spec = f"{proxy.url}/v1#{server.model_name}"
        _, first, results = asyncio.run(_answer(store, ModelConfig(spec=spec), TOY_PROMPTS))
        assert proxy.stats.forwarded == len(TOY_PROMPTS) and first.usage.calls == len(TOY_PROMPTS)
        # Retry, timeout and connection settings do not change answers, so they do not change keys.
        tweaked = ModelConfig(spec=spec, timeout=33, max_retries=1, max_connections=2)
        _, second, again = asyncio.run(_answer(store, tweaked, TOY_PROMPTS))
        assert proxy.stats.forwarded == len(TOY_PROMPTS)
        assert second.usage.calls == 0 and second.usage.cached == len(TOY_PROMPTS)
        assert [r.output.text for r in again] == [r.output.text for r in results]
        assert all(r.output.cached for r in again)
        # A different sample index is a different call.
        asyncio.run(
            _answer(store, ModelConfig(spec=spec), TOY_PROMPTS[:1], GenerateConfig(temperature=0, max_tokens=11))
        )
        assert proxy.stats.forwarded == len(TOY_PROMPTS) + 1


def test_system_prompt_and_default_params_are_part_of_the_key(toy_model_dir, store_path):
    spec = f"hf:{toy_model_dir}"
    with RunStore(store_path) as store:
        _, plain, _ = asyncio.run(_answer(store, ModelConfig(spec=spec), ["Hello!"]))
        _, system, _ = asyncio.run(_answer(store, ModelConfig(spec=spec, system="Be brief."), ["Hello!"]))
        _, again, _ = asyncio.run(_answer(store, ModelConfig(spec=spec, system="Be brief."), ["Hello!"]))
    assert (plain.usage.calls, system.usage.calls, again.usage.calls) == (1, 1, 0)


def test_cost_is_estimated_from_the_price(toy_model_dir, store_path):
    price = Price(input_per_mtok=2.0, output_per_mtok=8.0)
    with RunStore(store_path) as store:
        _, model, results = asyncio.run(
            _answer(store, ModelConfig(spec=f"hf:{toy_model_dir}", price=price), TOY_PROMPTS)
        )
        _, rerun, _ = asyncio.run(_answer(store, ModelConfig(spec=f"hf:{toy_model_dir}", price=price), TOY_PROMPTS))
    prompt = sum(r.output.usage.prompt_tokens for r in results)
    completion = sum(r.output.usage.completion_tokens for r in results)
    assert (model.usage.prompt_tokens, model.usage.completion_tokens) == (prompt, completion)
    assert model.usage.cost_usd == (prompt * 2.0 + completion * 8.0) / 1e6
    assert rerun.usage.cost_usd == 0 and rerun.usage.saved_usd == model.usage.cost_usd


def test_export_lists_every_call_of_a_run(toy_model_dir, store_path):
    with RunStore(store_path) as store:
        run, _, _ = asyncio.run(_answer(store, ModelConfig(spec=f"hf:{toy_model_dir}"), TOY_PROMPTS[:3]))
        rerun, _, _ = asyncio.run(_answer(store, ModelConfig(spec=f"hf:{toy_model_dir}"), TOY_PROMPTS[:4]))
        first = list(store.export_run(run.id))
        second = list(store.export_run(rerun.id[-6:]))  # a unique suffix is enough
        infos = {info.id: info for info in store.runs()}
    assert len(first) == 3 and not any(r["cached"] for r in first)
    assert [r["cached"] for r in second].count(True) == 3 and len(second) == 4
    record = first[0]
    assert record["request"]["messages"][-1]["content"] == TOY_PROMPTS[0]
    assert record["response"]["choices"][0]["text"] and record["usage"]["prompt_tokens"] > 0
    assert infos[run.id].status == "finished" and infos[rerun.id].cached == 3
    json.dumps(second)  # plain data


def test_logprob_calls_go_through_the_store(toy_model_dir, store_path):
    async def score(store):
        async with Run(store, "score") as run:
            model = run.model(f"hf:{toy_model_dir}")
            scores = await model.token_logprobs(["Snow is white.", "Grass is green."], ["", "x"])
        return model, scores

    with RunStore(store_path) as store:
        first, scores = asyncio.run(score(store))
        second, again = asyncio.run(score(store))
    assert (first.usage.calls, second.usage.calls, second.usage.cached) == (2, 0, 2)
    assert again == scores


def test_each_response_is_committed_as_it_arrives(toy_model_dir, store_path):
    seen_by_other_connection: list[int] = []

    def count(_):
        with sqlite3.connect(store_path) as other:
            seen_by_other_connection.append(other.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    async def go(store):
        async with Run(store, "t") as run:
            model = run.model(ModelConfig(spec=f"hf:{toy_model_dir}", batch_size=1))
            await chat_many(model, [ChatRequest.of(p, config=GREEDY) for p in TOY_PROMPTS[:4]], on_result=count)

    with RunStore(store_path) as store:
        asyncio.run(go(store))
    assert seen_by_other_connection == [1, 2, 3, 4]


def test_job_state_round_trips_and_survives_reopening(store_path):
    with RunStore(store_path) as store:
        assert store.get_state("fuzz", "job-1") is None
        store.put_state("fuzz", "job-1", {"step": 3, "nodes": [{"id": 0, "visits": 2}]})
        store.put_state("fuzz", "job-1", {"step": 4, "nodes": [{"id": 0, "visits": 3}]})
    with RunStore(store_path) as store:
        assert store.get_state("fuzz", "job-1") == {"step": 4, "nodes": [{"id": 0, "visits": 3}]}
        assert store.get_state("other", "job-1") is None


OPEN_AND_WRITE = """
import sys, time
from pathlib import Path
from distillscope.store import RunStore
start, path, name = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
while not start.exists():
    time.sleep(0.001)
with RunStore(path) as store:
    for i in range(5):
        store.put_state("ranks", f"{name}-{i}", i)
"""


def test_processes_that_open_one_new_store_together_all_get_it(tmp_path):
    """The ranks of a launcher may make the same new store at the same instant: none may see a
    half-made schema (read as a foreign file) or lose the race to switch it to WAL."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for round_ in range(8):
        start, path = tmp_path / f"go-{round_}", tmp_path / f"store-{round_}.sqlite"
        children = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_AND_WRITE, str(start), str(path), str(n)],
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for n in range(6)
        ]
        start.touch()
        for child in children:
            assert child.wait(timeout=120) == 0, child.stderr.read()[-500:]
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT count(*) FROM state WHERE namespace = 'ranks'").fetchone()[0] == 30


def test_many_keys_are_looked_up_across_query_chunks(store_path):
    with RunStore(store_path) as store:
        keys = [f"key-{i}" for i in range(1203)]  # more than two queries' worth of bound keys
        for i, key in enumerate(keys[::2]):
            store.record_call(
                key=key, kind="chat", model="m", identity={}, request={}, response={"i": i},
                prompt_tokens=1, completion_tokens=1, latency_s=0.0, attempts=1, run_id=None,
            )  # fmt: skip
        found = store.lookup_many([*keys, keys[0]])  # a repeated key is found once
    assert sorted(found) == sorted(keys[::2])
    assert [found[k]["i"] for k in keys[::2]] == list(range(len(keys[::2])))
