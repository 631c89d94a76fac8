"""How an audit's time grows with its size: real answers, replayed, cold and warm, stage by stage.

An audit reads every answer once (`audit/texts.py`): one tokenisation into count matrices, one
embedding per text kept in the run store, then slicing for every fold and panel member. This bench
times the product's own audit of published answers (`../shared/realdata/alpaca_eval/`, `replay:`
models: no model is called, so the time is the audit's own) with reference gpt-3.5-turbo-0301, a
panel of 8 `none` models and 8 targets, at 100, 200 and 400 prompts:

- cold: a fresh run store, so every replayed answer is recorded and every text embedded;
- warm: the same audit again on that store, as a rerun is.

Each run is its own process (nothing cached in memory between them). It prints the seconds of each
stage (responses, each judge, embeddings, counting n-grams and style marks, proximity, classifier,
markers, verdict, report) and the slope of log(time) against log(prompts × models): 1 is linear.
JSON last line: `cold_s` and `warm_s` (by prompt count), `exponent` (cold), and `stages_400` (cold
seconds per stage at 400 prompts).

    .venv/bin/python bench/audit_scale.py [--prompts 100,200,400]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "realdata" / "alpaca_eval"
REFERENCE = "gpt-3.5-turbo-0301"
# A fixed choice of models, each group spanning labs and vintages (none: trained without OpenAI text).
PANEL = [
    "llama-2-13b-chat-hf",
    "guanaco-13b",
    "humpback-llama-65b",
    "claude-2.1",
    "gemini-pro",
    "Meta-Llama-3-8B-Instruct",
    "Mixtral-8x7B-Instruct-v0.1",
    "Yi-34B-Chat",
]
TARGETS = [
    "ultralm-13b",
    "baize-v2-7b",
    "deita-7b-v1.0",
    "OpenHermes-2.5-Mistral-7B",
    "alpaca-7b-neft",
    "zephyr-7b-beta",
    "llama-2-7b-chat-hf",
    "Qwen2-72B-Instruct",
]
STAGES = ["responses", "lexical", "embedding judge", "style", "embeddings", "counting", "proximity", "classifier"]
STAGES += ["markers", "verdict", "report"]


def stage_of(name: str) -> str:
    """The bench's name for an audit stage."""
    if name.endswith("responses") or name.endswith(": answers"):
        return "responses"
    if "judge lexical" in name:
        return "lexical"
    if "judge embedding" in name:
        return "embedding judge"
    if "judge style" in name:
        return "style"
    if ": embedding " in name:
        return "embeddings"
    if ": counting " in name:
        return "counting"
    for stage in ("proximity", "classifier", "markers", "verdict", "report"):
        if name.startswith(stage):
            return stage
    return "other"


def prompts_file(folder: Path, count: int) -> Path:
    """The first `count` prompts of the set (in file order) that every model here answered."""
    wanted = {REFERENCE, *PANEL, *TARGETS}
    seen: dict[str, set[str]] = {}
    order: list[str] = []
    for line in (SHARED / "answers.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["model"] in wanted:
            if record["prompt"] not in seen:
                order.append(record["prompt"])
            seen.setdefault(record["prompt"], set()).add(record["model"])
    chosen = [p for p in order if seen[p] == wanted][:count]
    path = folder / f"prompts-{count}.jsonl"
    path.write_text("".join(json.dumps({"id": f"p{i}", "prompt": p}) + "\n" for i, p in enumerate(chosen)))
    return path


def one_audit(prompts: Path, store_path: Path, output: Path) -> dict[str, float]:
    """One audit in this process: seconds per stage, and in all."""
    from distillscope.audit.job import AuditJob, AuditModel
    from distillscope.audit.method import Hooks
    from distillscope.audit.rse.job import RSESettings
    from distillscope.audit.runner import run_audit
    from distillscope.data.sources import PromptSource
    from distillscope.store import RunStore

    spec = f"replay:{SHARED / 'answers.jsonl'}"
    job = AuditJob(
        reference=AuditModel(model=f"{spec}#{REFERENCE}", label=REFERENCE, facts="openai"),
        targets=[AuditModel(model=f"{spec}#{t}", label=t) for t in TARGETS],
        panel=[AuditModel(model=f"{spec}#{p}", label=p) for p in PANEL],
        methods=["rse", "proximity", "classifier", "markers"],
        rse=RSESettings(
            prompts=[PromptSource(path=str(prompts))], judges=["lexical", "embedding", "style"], ceiling=False
        ),
        output=output,
    )
    seconds: dict[str, float] = {}
    current = ["other", time.perf_counter()]

    def on_stage(name: str) -> None:
        now = time.perf_counter()
        seconds[current[0]] = seconds.get(current[0], 0.0) + now - current[1]  # type: ignore[operator]
        current[:] = [stage_of(name), now]

    start = time.perf_counter()
    with RunStore(store_path) as store:
        asyncio.run(run_audit(job, store, Hooks(on_stage=on_stage)))
    on_stage("done")
    seconds["total"] = time.perf_counter() - start
    return seconds


def slope(sizes: list[int], seconds: list[float]) -> float | None:
    """The slope of log time against log size; none from a single size."""
    if len(set(sizes)) < 2:
        return None
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", default="100,200,400")
    parser.add_argument("--one", nargs=3, metavar=("PROMPTS_FILE", "STORE", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_audit(Path(args.one[0]), Path(args.one[1]), Path(args.one[2]))))
        return
    counts = [int(c) for c in args.prompts.split(",")]
    models = 1 + len(PANEL) + len(TARGETS)
    cold: dict[str, dict[str, float]] = {}
    warm: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="audit-scale-") as scratch:
        folder = Path(scratch)
        for count in counts:
            prompts = prompts_file(folder, count)
            store = folder / f"store-{count}.sqlite"
            for kind, into in (("cold", cold), ("warm", warm)):
                output = folder / f"out-{count}-{kind}"
                shutil.rmtree(output, ignore_errors=True)
                done = subprocess.run(
                    [sys.executable, __file__, "--one", str(prompts), str(store), str(output)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                into[str(count)] = json.loads(done.stdout.strip().splitlines()[-1])
                print(f"{count} prompts × {models} models, {kind}: {into[str(count)]['total']:.1f} s", flush=True)
    print(
        f"\n{'stage':<16}"
        + "".join(f"{f'cold {c}':>10}" for c in counts)
        + "".join(f"{f'warm {c}':>10}" for c in counts)
    )
    for stage in [*STAGES, "other", "total"]:
        row = [cold[str(c)].get(stage, 0.0) for c in counts] + [warm[str(c)].get(stage, 0.0) for c in counts]
        print(f"{stage:<16}" + "".join(f"{v:>10.1f}" for v in row))
    exponent = slope([c * models for c in counts], [cold[str(c)]["total"] for c in counts])
    warm_exponent = slope([c * models for c in counts], [warm[str(c)]["total"] for c in counts])
    if exponent is not None and warm_exponent is not None:
        print(f"\nslope of log time against log(prompts × models): cold {exponent:.2f}, warm {warm_exponent:.2f}")
    largest = str(max(counts))
    figures = {
        "cold_s": {c: round(v["total"], 1) for c, v in cold.items()},
        "warm_s": {c: round(v["total"], 1) for c, v in warm.items()},
        "exponent": None if exponent is None else round(exponent, 3),
        "warm_exponent": None if warm_exponent is None else round(warm_exponent, 3),
        f"stages_{largest}": {k: round(v, 1) for k, v in cold[largest].items() if k != "total"},
        "models": models,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
