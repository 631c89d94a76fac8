"""`generate` end to end on the tiny toy model: over HTTP (`transformers serve`) and in process."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from distillscope.distill.generation import FilterSettings, GenerateJob, generate_data
from distillscope.fileio.jsonl import write_jsonl
from distillscope.models import GenerateConfig, get_model
from distillscope.models.chat import chat_once
from distillscope.models.recorded import RecordedModel
from distillscope.store import RunStore
from doubles.toy import TOY_PROMPTS

GREEDY = GenerateConfig(temperature=0, max_tokens=16)
CONVERSATION = [
    {"role": "user", "content": "Hello!"},
    {"role": "assistant", "content": "Hello! How can I help you today?"},
    {"role": "user", "content": "What colour is snow?"},
]


def toy_source(folder: Path) -> Path:
    path = folder / "prompts.jsonl"
    rows = [{"id": f"p{i}", "prompt": p, "category": "toy"} for i, p in enumerate(TOY_PROMPTS)]
    rows.append({"id": "chat", "messages": CONVERSATION})
    write_jsonl(path, rows)
    return path


def read_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_respond_over_http_keeps_conversations_whole(server, store_path, tmp_path):
    job = GenerateJob(
        teacher=server.spec, source=str(toy_source(tmp_path)), output=tmp_path / "out.jsonl", params=GREEDY
    )
    with RunStore(store_path) as store:
        summary = asyncio.run(generate_data(job, store))
        stored = RecordedModel(get_model(server.spec), store)
        assert stored.is_stored(CONVERSATION, GREEDY)  # the teacher saw every turn
    records = read_records(job.output)
    assert summary.requested == len(TOY_PROMPTS) + 1 == summary.answered
    assert summary.kept == len(records) == summary.requested - sum(summary.dropped.values())
    by_id = {r["id"]: r for r in records}
    chat = by_id["chat#0"]
    assert [m["role"] for m in chat["messages"]] == ["user", "assistant", "user", "assistant"]
    assert chat["messages"][:3] == CONVERSATION
    for record in records:
        assert record["mode"] == "respond" and record["sample_index"] == 0
        assert record["teacher"]["identity"] == {
            "backend": "openai",
            "base_url": server.base_url,
            "model": server.model_name,
        }
        assert record["params"] == {"temperature": 0.0, "max_tokens": 16}
        assert record["source_id"] == record["id"].removesuffix("#0")
        assert record["messages"][-1]["role"] == "assistant" and record["messages"][-1]["content"].strip()
    assert chat["category"] is None and all(r["category"] == "toy" for r in records if r["id"] != "chat#0")


def test_respond_in_process_rerun_is_free_and_identical(toy_model_dir, store_path, tmp_path):
    spec = f"hf:{toy_model_dir}"
    job = GenerateJob(teacher=spec, source=str(toy_source(tmp_path)), output=tmp_path / "out.jsonl", params=GREEDY)
    with RunStore(store_path) as store:
        first = asyncio.run(generate_data(job, store))
        written = job.output.read_bytes()
        second = asyncio.run(generate_data(job, store))
        reply = asyncio.run(chat_once(spec, TOY_PROMPTS[1], store=store, config=GREEDY))
    assert first.usage[0].calls == first.requested == len(TOY_PROMPTS) + 1
    assert second.usage[0].calls == 0 and second.usage[0].cached == first.requested
    assert job.output.read_bytes() == written
    assert json.loads(job.output.with_name("out.summary.json").read_text())["run_id"] == second.run_id
    records = {r["id"]: r for r in read_records(job.output)}
    assert reply.output.cached and records["p1#0"]["messages"][-1]["content"] == reply.output.text
    assert records["p1#0"]["teacher"]["identity"]["backend"] == "hf"

    from datasets import load_dataset

    dataset = load_dataset("json", data_files=str(job.output), split="train", cache_dir=str(tmp_path / "hf"))
    assert "messages" in dataset.column_names and len(dataset) == first.kept
    for column in ("teacher", "mode", "params", "source_id", "category", "sample_index"):
        assert column in dataset.column_names
    assert dataset[0]["messages"][-1]["role"] == "assistant"


def test_cot_keeps_exactly_the_chains_with_the_right_sum(toy_model_dir, store_path, tmp_path):
    source = tmp_path / "sums.jsonl"
    pairs = [(a, b) for a in range(1, 10) for b in range(1, 10)]
    write_jsonl(source, [{"id": f"s{a}-{b}", "prompt": f"What is {a} plus {b}?", "answer": a + b} for a, b in pairs])
    job = GenerateJob(
        teacher=f"hf:{toy_model_dir}",
        mode="cot",
        system="",  # the toy model only knows bare questions; it answers "a plus b is c."
        n=2,
        source=str(source),
        output=tmp_path / "cot.jsonl",
        params=GenerateConfig(temperature=1.0, max_tokens=12, seed=3),
        filters=FilterSettings(dedup=False, drop_truncated=False),
    )
    with RunStore(store_path) as store:
        summary = asyncio.run(generate_data(job, store))
    kept, rejected = read_records(job.output), read_records(tmp_path / "cot.rejected.jsonl")

    def is_right(record: dict) -> bool:
        a, b = map(int, re.findall(r"\d+", record["messages"][0]["content"]))
        numbers = re.findall(r"\d+", record["messages"][-1]["content"])
        return bool(numbers) and int(numbers[-1]) == a + b

    assert len(kept) + len(rejected) == 2 * len(pairs)
    assert kept and rejected  # the toy model is sometimes right, mostly wrong
    assert all(is_right(r) for r in kept)
    assert not any(is_right(r) for r in rejected if r["messages"][-1]["role"] == "assistant")
    assert {r["drop_reason"] for r in rejected} <= {"answer_mismatch", "no_answer", "empty"}
    assert summary.dropped["answer_mismatch"] == sum(r["drop_reason"] == "answer_mismatch" for r in rejected)
    for record in kept:
        assert record["answer"] == record["reference_answer"] and record["system"] is None
