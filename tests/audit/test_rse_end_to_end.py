"""RSE on real tiny models: the toy chat model served by `transformers serve` is the reference.

Targets are the same weights sampled hot (a models-file alias, run locally: `transformers serve`
ignores the temperature of a model whose generation config does not enable sampling) and a
different tiny model (untrained, another seed), which must come out less similar by the
embedding and lexical judges. A proxy in front of the server counts every request, so "no call"
and "0 new calls" are checked on the wire, not only in the store.
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
from pathlib import Path

import pytest

from distillscope.audit.rse import RSEJob, run_rse
from distillscope.fileio.jsonl import write_jsonl
from distillscope.models.catalog import ModelCatalog
from distillscope.store import RunStore
from distillscope.zoo.tinymodels import make_tiny_model, save_model
from doubles.proxy import FaultProxy
from doubles.scripted import ScriptedServer
from doubles.toy import TOY_PROMPTS

MAX_TOKENS = "16"


@pytest.fixture(scope="module")
def other_model_dir(tmp_path_factory: pytest.TempPathFactory, toy_model_dir: Path) -> Path:
    """Different weights: the toy model's architecture and tokenizer, untrained from another seed."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(toy_model_dir)
    return save_model(make_tiny_model(tokenizer, seed=1), tokenizer, tmp_path_factory.mktemp("rse-models") / "other")


@pytest.fixture
def proxy(server):
    with FaultProxy(f"http://127.0.0.1:{server.port}") as running:
        yield running


@pytest.fixture
def setup(tmp_path, proxy, server, toy_model_dir, other_model_dir):
    """Prompt file (two domains), models file (the hot alias) and the specs."""
    prompts = tmp_path / "toy.jsonl"
    write_jsonl(
        prompts,
        [{"id": f"p{i}", "prompt": p, "category": "facts" if i % 2 else "chat"} for i, p in enumerate(TOY_PROMPTS)],
    )
    reference = f"{proxy.url}/v1#{server.model_name}"
    models = tmp_path / "models.yaml"
    models.write_text(
        f"models:\n  toy-hot:\n    spec: 'hf:{toy_model_dir}'\n    params: {{temperature: 1.0, seed: 0}}\n"
    )
    return {"prompts": prompts, "models": models, "reference": reference, "other": f"hf:{other_model_dir}"}


def test_the_same_model_is_more_similar_than_another_and_a_rerun_is_free(setup, proxy, tmp_path, store_path):
    job = RSEJob(
        reference=setup["reference"],
        targets=["toy-hot", setup["other"]],
        prompts=[str(setup["prompts"])],
        models=ModelCatalog.from_file(setup["models"]),
        params={"max_tokens": int(MAX_TOKENS)},
        output=tmp_path / "out",
    )
    with RunStore(store_path) as store:
        results = asyncio.run(run_rse(job, store))
        sent = proxy.stats.received
        assert sent == 2 * len(TOY_PROMPTS)  # reference and ceiling; the targets are local
        for judge in ("embedding", "lexical"):
            table = results.table(judge)
            hot, other = table.row("toy-hot").average, table.row(setup["other"]).average
            assert hot > other + 0.2, (judge, hot, other)
            assert table.row(setup["reference"], "ceiling").average > other
        assert [d.name for d in results.domains] == ["chat", "facts"]
        cell = results.table("embedding").row("toy-hot").cells["facts"]
        assert cell.n == 4 and cell.low <= cell.value <= cell.high

        again = asyncio.run(run_rse(job, store))
        assert proxy.stats.received == sent
        assert sum(u["calls"] for u in again.usage) == 0 and sum(u["cached"] for u in again.usage) == 4 * 8
        assert again.table("lexical") == results.table("lexical")

    out = tmp_path / "out"
    saved = json.loads((out / "rse.json").read_text())
    assert saved["reference"] == setup["reference"] and len(saved["tables"]) == 3
    with (out / "rse_scores.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["judge"] for r in rows} == {"embedding", "lexical", "style"}
    averages = [r for r in rows if r["domain"] == "average" and r["judge"] == "lexical"]
    assert {r["role"] for r in averages} == {"target", "ceiling"}
    assert len((out / "responses.jsonl").read_text().splitlines()) == 4 * len(TOY_PROMPTS)
    assert len((out / "rse_pairs.csv").read_text().splitlines()) == 1 + 3 * 3 * len(TOY_PROMPTS)


def _plan_total(stdout: str) -> tuple[int, int, int]:
    match = re.search(r"total\s*│\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)", stdout)
    assert match, stdout
    return int(match[1]), int(match[2]), int(match[3])


def test_cli_dry_run_calls_nothing_then_the_run_prints_table_3(cli, setup, proxy, store_path, tmp_path):
    def judge(messages, payload):
        return '{"overall": 3, "reason": "scripted"}'

    with ScriptedServer(judge, model="neutral-judge") as llm:
        args = [
            "rse",
            "--reference",
            setup["reference"],
            "--targets",
            "toy-hot",
            "--target",
            setup["other"],
            "--prompts",
            str(setup["prompts"]),
            "--models",
            str(setup["models"]),
            "--judge",
            "lexical,embedding",
            "--judge",
            llm.spec,
            "--max-tokens",
            MAX_TOKENS,
            "--output",
            str(tmp_path / "cli-out"),
        ]
        dry = cli(*args, "--dry-run")
        assert dry.exit_code == 0, dry.stderr
        assert proxy.stats.received == 0 and len(llm.requests) == 0
        with RunStore(store_path) as store:
            assert store.count_calls() == 0
        responses, pairs = 4 * len(TOY_PROMPTS), 3 * len(TOY_PROMPTS)
        assert _plan_total(dry.stdout) == (responses + 2 * pairs, 0, responses + 2 * pairs)
        assert f"pairs to judge: {pairs}" in dry.stdout
        assert not (tmp_path / "cli-out").exists()

        run = cli(*args)
        assert run.exit_code == 0, run.stderr
        # Both orders of every pair, except where a response equals the reference's: then the two orders
        # are one and the same request, which the store makes once.
        distinct = {json.dumps(r["messages"]) for r in llm.requests}
        assert len(distinct) == len(llm.requests) and pairs < len(llm.requests) <= 2 * pairs
        for title in ("RSE · judge lexical", "RSE · judge embedding", f"RSE · judge llm:{llm.spec}"):
            assert title in run.stdout
        assert "chat (n=4)" in run.stdout and "facts (n=4)" in run.stdout and "average" in run.stdout
        assert "(ceiling: a 2nd reference" in run.stdout and "3.000" in run.stdout
        assert (tmp_path / "cli-out" / "rse.json").exists()

        replan = cli(*args, "--dry-run")
        assert _plan_total(replan.stdout) == (responses + len(llm.requests),) * 2 + (0,)
        assert len(llm.requests) == len(distinct) and proxy.stats.received == 2 * len(TOY_PROMPTS)
