"""Training on several processes: the same KD job under `accelerate launch` with 1 process and with 2.

A run on N processes must be the run on one process with N times the batch: the same examples in
each step, the same loss, the same update. Here one process trains with batch 8 and two processes
with batch 4 each (global batch 8 either way), with the same seed, data, schedule and steps, on
the CPU (gloo), logging every step. Both loss curves are printed side by side with their relative
difference at each step; the goal is at most 1% everywhere. The final weights are compared too.

The teacher is the toy chat model (tests/doubles/toy.py), the student a fresh tiny model on its
tokenizer; both are built once and kept under .distillscope/bench-ddp. The two-process runs are
torchrun's (`accelerate launch --multi_gpu` with no GPU visible): accelerate's `--cpu` launcher
starts one process only (tests/doubles/launch.py). Every process runs `--threads` threads (1), so two
processes have twice the cores of one, as scaling out gives; one thread each also keeps a process
from spinning on cores another job holds, which on a shared 2-core machine made single runs of two
threads vary tenfold. The wall times include starting the processes and loading the models.

kd-offline (from a teacher cache that two processes build: one writes, one waits) and sft run the
same way (`--modes kd` for the headline alone). The last line is JSON: max_rel_diff (over every
step and every logged loss term of every mode), wall_s_1 and wall_s_2 (of kd), steps, and per mode
the same figures with the training's own seconds and the largest difference in the final weights.

    .venv/bin/python bench/ddp.py [--steps 20] [--modes kd,kd-offline,sft]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import yaml

import doubles_on_path  # noqa: F401 - puts tests/ (the doubles) on the path

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(os.environ.get("DISTILLSCOPE_BENCH_DDP", ".distillscope/bench-ddp"))
GLOBAL_BATCH, PROCESSES, LR = 8, 2, 3e-3
TERMS = ("loss", "loss_kd", "loss_ce")


def build(root: Path) -> tuple[Path, Path, Path]:
    """The toy teacher, a fresh student on its tokenizer, and chat data; reused when already built."""
    from transformers.utils import logging as hf_logging

    from distillscope.distill.common import load_tokenizer
    from distillscope.fileio.jsonl import write_jsonl
    from distillscope.zoo.tinymodels import make_tiny_model, save_model
    from doubles.toy import build_toy_model, toy_conversations

    hf_logging.disable_progress_bar()
    teacher, student, data = root / "teacher", root / "student", root / "train.jsonl"
    if not (teacher / "config.json").exists():
        build_toy_model(teacher, steps=200)
    if not (student / "config.json").exists():
        tokenizer = load_tokenizer(teacher)
        save_model(make_tiny_model(tokenizer, seed=1), tokenizer, student)
    if not data.exists():
        write_jsonl(data, [{"messages": c} for c in toy_conversations(400, seed=3)])
    return teacher, student, data


def write_job(path: Path, mode: str, teacher: Path, student: Path, data: Path, cache: Path | None, steps: int) -> Path:
    """The job both runs share; only the batch size (a flag) differs between them."""
    job = {
        "mode": mode,
        "student": f"hf:{student}",
        "data": str(data),
        "max_steps": steps,
        "learning_rate": LR,
        "lr_scheduler": "linear",
        "warmup_ratio": 0.0,
        "max_length": 256,
        "loss": {"name": "forward_kl", "kd_weight": 0.5},
        "logging_steps": 1,
        "save_steps": steps,  # one checkpoint, at the end: written under several processes too
        "seed": 0,
    }
    if mode == "kd":
        job["teacher"] = f"hf:{teacher}"
    if mode == "kd-offline":
        job["teacher_cache"] = str(cache)
    path.write_text(yaml.safe_dump(job))
    return path


def relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def compare(mode: str, config: Path, work: Path, threads: int) -> dict:
    from safetensors.torch import load_file

    from doubles.launch import launch_train

    runs, folders = {}, {n: work / f"{mode}-{n}" for n in (1, PROCESSES)}
    for processes, folder in folders.items():
        batch = GLOBAL_BATCH // processes
        command = ["--config", str(config), "--batch-size", str(batch)]
        runs[processes] = launch_train(processes, command, folder, threads=threads)
    one, many = runs[1], runs[PROCESSES]
    if many.record["processes"] != PROCESSES:
        raise SystemExit(f"the {PROCESSES}-process run trained on {many.record['processes']} process(es)")
    terms = [t for t in TERMS if one.losses(t)]
    print(f"\n  {mode}: loss per step, 1 process × batch {GLOBAL_BATCH} | {PROCESSES} processes × batch "
          f"{GLOBAL_BATCH // PROCESSES}")  # fmt: skip
    header = "".join(f" {t + ' (1)':>14} {t + f' ({PROCESSES})':>14}" for t in terms)
    print(f"  {'step':>5}{header} {'rel diff':>10}")
    worst = 0.0
    for step in one.losses():
        cells, diff = "", 0.0
        for term in terms:
            a, b = one.losses(term)[step], many.losses(term)[step]
            cells += f" {a:14.6f} {b:14.6f}"
            diff = max(diff, relative(a, b))
        worst = max(worst, diff)
        print(f"  {step:5d}{cells} {diff:10.2e}")
    if one.losses().keys() != many.losses().keys():
        raise SystemExit(f"{mode}: the runs logged different steps")
    weights = [load_file(folder / "model.safetensors") for folder in folders.values()]
    weight_diff = max(float((weights[0][k] - weights[1][k]).abs().max()) for k in weights[0])
    print(f"  max relative difference {worst:.2e} (goal <= 0.01); final weights differ by at most {weight_diff:.1e}")
    print(f"  wall time: 1 process {one.wall_s:.1f} s, {PROCESSES} processes {many.wall_s:.1f} s")
    return {
        "max_rel_diff": worst,
        "weights_max_abs_diff": weight_diff,
        "wall_s_1": round(one.wall_s, 1),
        "wall_s_2": round(many.wall_s, 1),
        "train_s_1": round(one.record["metrics"]["train_runtime"], 2),
        "train_s_2": round(many.record["metrics"]["train_runtime"], 2),
        "final_loss": round(one.losses()[max(one.losses())], 5),
    }


def main() -> None:
    from doubles.launch import launch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--modes", default="kd,kd-offline,sft", help="comma list; kd is the headline")
    parser.add_argument("--threads", type=int, default=1, help="threads per process")
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    teacher, student, data = build(ROOT)
    print(
        f"{args.steps} steps of {GLOBAL_BATCH} examples, forward KL (w = 0.5), lr {LR}, seed 0, CPU, "
        f"{args.threads} thread(s) per process, {os.cpu_count()} cores"
    )
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ddp-") as scratch:
        work = Path(scratch)
        cache = None
        if "kd-offline" in modes:
            cache = work / "cache"
            launch(PROCESSES, ["teacher-cache", "--teacher", f"hf:{teacher}", "--data", str(data), "-k", "32",
                               "--max-length", "256", "-o", str(cache)], threads=args.threads)  # fmt: skip
        for mode in modes:
            config = write_job(work / f"{mode}.yaml", mode, teacher, student, data, cache, args.steps)
            results[mode] = compare(mode, config, work, args.threads)
    headline = results.get("kd") or next(iter(results.values()))
    summary = {
        "max_rel_diff": max(r["max_rel_diff"] for r in results.values()),
        "goal": 0.01,
        "wall_s_1": headline["wall_s_1"],
        "wall_s_2": headline["wall_s_2"],
        "steps": args.steps,
        "global_batch": GLOBAL_BATCH,
        "processes": [1, PROCESSES],
        "threads_per_process": args.threads,
        "modes": results,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
