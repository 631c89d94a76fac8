"""The HTTP backend against a real `transformers serve`, with faults injected by a proxy in front."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from distillscope.fileio.jsonl import write_jsonl
from distillscope.models import GenerateConfig, ModelConfig
from distillscope.models.batch import ChatRequest, chat_many
from distillscope.models.run import Run
from distillscope.store import RunStore
from doubles.proxy import Fault, FaultProxy, cycle_faults

GREEDY = GenerateConfig(temperature=0, max_tokens=12)


def spec_via(proxy: FaultProxy, server) -> str:
    return f"{proxy.url}/v1#{server.model_name}"


def upstream(server) -> str:
    return f"http://127.0.0.1:{server.port}"


async def _ask(store: RunStore, config: ModelConfig, prompts: list[str], gen: GenerateConfig = GREEDY):
    async with Run(store, "test") as run:
        model = run.model(config)
        results = await chat_many(model, [ChatRequest.of(p, config=gen) for p in prompts])
    return results, model


def test_chat_returns_text_finish_reason_usage_and_latency(server, store_path):
    with FaultProxy(upstream(server)) as proxy, RunStore(store_path) as store:
        results, model = asyncio.run(_ask(store, ModelConfig(spec=spec_via(proxy, server)), ["What colour is snow?"]))
    out = results[0].output
    assert out is not None and out.text.strip()
    assert out.finish_reason in {"stop", "length"}
    assert out.usage.prompt_tokens > 0 and out.usage.completion_tokens > 0
    assert out.latency_s > 0 and not out.cached
    assert model.usage.calls == 1 and proxy.stats.forwarded == 1


def test_n_is_fanned_out_when_the_server_ignores_it(server, store_path):
    gen = GenerateConfig(temperature=1.0, max_tokens=8, n=3, seed=5)
    with FaultProxy(upstream(server)) as proxy, RunStore(store_path) as store:
        results, _ = asyncio.run(_ask(store, ModelConfig(spec=spec_via(proxy, server)), ["Hello!"], gen))
    assert len(results[0].output.choices) == 3
    assert proxy.stats.forwarded == 3
    seeds = sorted(json.loads(b)["seed"] for b in proxy.stats.forwarded_bodies)
    assert seeds == [5, 6, 7]


def test_every_fault_is_retried_and_nothing_is_lost(server, store_path):
    faults = [
        Fault("rate_limit", retry_after=0.2),
        Fault("server_error"),
        Fault("slow", delay=2.0),
        Fault("drop"),
        Fault("malformed"),
    ]
    prompts = [f"What is {a} plus {b}?" for a in range(1, 3) for b in range(1, 6)]
    config = ModelConfig(spec="", timeout=0.8, max_retries=8, max_connections=4)
    with FaultProxy(upstream(server), cycle_faults(faults, every=2)) as proxy, RunStore(store_path) as store:
        config = config.model_copy(update={"spec": spec_via(proxy, server)})
        results, model = asyncio.run(_ask(store, config, prompts))
        stored = store.count_calls()
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    assert len(results) == len(prompts) == stored
    assert set(proxy.stats.faults) == {"rate_limit", "server_error", "slow", "drop", "malformed"}
    assert model.usage.retries == proxy.stats.injected
    reasons = model.backend.counters.retry_reasons
    assert reasons == {
        "rate_limit": proxy.stats.faults["rate_limit"],
        "server_error": proxy.stats.faults["server_error"],
        "timeout": proxy.stats.faults["slow"],
        "dropped_connection": proxy.stats.faults["drop"],
        "malformed_response": proxy.stats.faults["malformed"],
    }


def test_retry_after_is_honoured(server, store_path):
    def plan(index: int) -> Fault:
        return Fault("rate_limit", retry_after=1.5) if index == 0 else Fault()

    with FaultProxy(upstream(server), plan) as proxy, RunStore(store_path) as store:
        started = time.perf_counter()
        results, model = asyncio.run(_ask(store, ModelConfig(spec=spec_via(proxy, server)), ["Hi there."]))
        elapsed = time.perf_counter() - started
    assert results[0].ok and model.usage.retries == 1
    # The computed backoff for a first retry is at most 0.5 s; only Retry-After explains 1.5 s.
    assert elapsed >= 1.5


def test_concurrency_is_capped_per_endpoint(server, store_path):
    prompts = [f"What is {a} plus 2?" for a in range(1, 10)]
    with FaultProxy(upstream(server), latency=0.1) as proxy, RunStore(store_path) as store:
        config = ModelConfig(spec=spec_via(proxy, server), max_connections=3)
        results, _ = asyncio.run(_ask(store, config, prompts))
    assert all(r.ok for r in results)
    assert proxy.stats.max_in_flight == 3


def test_a_request_that_keeps_failing_is_recorded_not_cached(server, store_path):
    always_500 = cycle_faults([Fault("server_error")])
    config = ModelConfig(spec="", max_retries=1)
    with FaultProxy(upstream(server), always_500) as proxy, RunStore(store_path) as store:
        config = config.model_copy(update={"spec": spec_via(proxy, server)})
        results, model = asyncio.run(_ask(store, config, ["Thank you."]))
        assert not results[0].ok and "server_error" in results[0].error
        assert store.count_calls() == 0 and model.usage.errors == 1
    with FaultProxy(upstream(server)) as healthy, RunStore(store_path) as store:
        config = config.model_copy(update={"spec": spec_via(healthy, server)})
        results, model = asyncio.run(_ask(store, config, ["Thank you."]))
    assert results[0].ok and model.usage.calls == 1 and healthy.stats.forwarded == 1


def test_api_key_never_reaches_store_export_or_output(server, store_path, tmp_path, monkeypatch, cli):
    canary = "sk-canary-7f3a9b2c1d"
    monkeypatch.setenv("CANARY_KEY", canary)
    models_yaml = tmp_path / "models.yaml"
    with FaultProxy(upstream(server)) as proxy:
        models_yaml.write_text(
            f"models:\n  guarded:\n    spec: {spec_via(proxy, server)}\n    api_key_env: CANARY_KEY\n"
        )
        prompts = tmp_path / "prompts.jsonl"
        write_jsonl(prompts, [{"prompt": "Hello!"}, {"prompt": "What colour is grass?"}])
        out = tmp_path / "replies.jsonl"
        result = cli("chat", "guarded", "--models", str(models_yaml), "--prompts", str(prompts), "-o", str(out))
        assert result.exit_code == 0, result.stderr
        run_id = RunStore(store_path).runs()[0].id
        exported = cli("runs", "export", run_id)
    assert proxy.stats.forwarded == 2
    written = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert canary.encode() not in written
    for text in (result.stdout, result.stderr, exported.stdout, exported.stderr):
        assert canary not in text
    assert exported.stdout.count('"status":"ok"') == 2


@pytest.mark.parametrize("count", [5])
def test_identical_requests_in_flight_share_one_call(server, store_path, count):
    with FaultProxy(upstream(server), latency=0.2) as proxy, RunStore(store_path) as store:
        results, model = asyncio.run(_ask(store, ModelConfig(spec=spec_via(proxy, server)), ["Hello!"] * count))
    assert proxy.stats.forwarded == 1
    assert len({r.output.text for r in results}) == 1
    assert model.usage.calls == 1
