"""On-policy KD (λ = 0.5) against off-policy KD at the same number of steps, on the toy teacher and student.

The teacher is the toy chat model (tests/doubles/toy.py, 300 steps). The student is a smaller-step
version of the same architecture on the teacher's tokenizer, warm-started with a short SFT so it
writes answers that end. From that one start, two students are distilled with the same data,
steps, batch, learning rate and seed: forward KL, pure KD, `on_policy` 0 and 0.5.

They are compared on held-out prompts by what on-policy distillation is for: KL(teacher || student)
per token on the student's own completions (each student samples its answers, seeded; the teacher
scores every token of them). The same KL on the held-out reference answers is printed beside it.
Each figure is a mean over prompts with a 95% bootstrap interval; the difference is paired by
prompt. Expected: kl_on_policy < kl_off_policy on the students' own completions.

    .venv/bin/python bench/on_policy.py [--steps 60] [--samples 4]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np

import doubles_on_path  # noqa: F401 - puts tests/ (the doubles) on the path

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
BATCH, LR, MAX_NEW_TOKENS = 8, 3e-3, 32


def build(work: Path) -> tuple[Path, Path, Path, Path]:
    from distillscope.distill.common import load_tokenizer
    from distillscope.fileio.jsonl import write_jsonl
    from distillscope.zoo.tinymodels import chat_texts, fit_causal_lm, make_tiny_model, save_model
    from doubles.toy import build_toy_model, toy_conversations

    teacher = build_toy_model(work / "teacher", steps=300)
    tokenizer = load_tokenizer(teacher)
    student = make_tiny_model(tokenizer, seed=1)
    fit_causal_lm(student, tokenizer, chat_texts(tokenizer, toy_conversations(200, seed=5)), steps=40, block=64)
    start = save_model(student, tokenizer, work / "student-start")
    train, held = work / "train.jsonl", work / "held.jsonl"
    write_jsonl(train, [{"messages": c} for c in toy_conversations(400, seed=3)])
    write_jsonl(held, [{"messages": c} for c in toy_conversations(48, seed=9)])
    return teacher, start, train, held


def distil(teacher: Path, start: Path, data: Path, output: Path, share: float, steps: int) -> float:
    from distillscope.distill.training import TrainJob, train

    job = TrainJob(
        mode="kd",
        student=str(start),
        teacher=str(teacher),
        data=str(data),
        output=output,
        max_steps=steps,
        batch_size=BATCH,
        learning_rate=LR,
        lr_scheduler="linear",
        warmup_ratio=0.0,
        loss={"name": "forward_kl", "kd_weight": 1.0},
        on_policy=share,
        max_new_tokens=MAX_NEW_TOKENS,
        save_steps=10_000,
        logging_steps=10,
        resume=False,
        seed=0,
    )
    return train(job).runtime_s


def per_prompt_kl(student_dir: Path, teacher_dir: Path, held: Path, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Per held-out prompt: mean KL(teacher || student) per token on the student's own completions
    (averaged over `samples` seeded draws), and on the reference answer."""
    import torch
    from accelerate import Accelerator

    from distillscope.distill.common import (
        IGNORE,
        DistillCollator,
        build_examples,
        load_model,
        load_tokenizer,
        load_training_records,
    )
    from distillscope.distill.signal import forward_kl
    from distillscope.distill.training import on_policy

    tokenizer = load_tokenizer(student_dir)
    student, teacher = load_model(student_dir).eval(), load_model(teacher_dir).eval()
    examples = build_examples(tokenizer, load_training_records(held), 256)
    reference = DistillCollator(tokenizer.pad_token_id)(
        [{"input_ids": e.input_ids, "labels": e.labels} for e in examples]
    )
    settings = on_policy.generation_settings(MAX_NEW_TOKENS, tokenizer.pad_token_id, tokenizer.eos_token_id)
    accelerator = Accelerator(cpu=True)

    def row_kl(batch: dict) -> np.ndarray:
        mask = batch["labels"][:, 1:] != IGNORE
        with torch.no_grad():
            t = torch.log_softmax(
                teacher(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits, -1
            )
            s = torch.log_softmax(
                student(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits, -1
            )
        kl = forward_kl(t[:, :-1], s[:, :-1]) * mask
        return (kl.sum(1) / mask.sum(1).clamp(min=1)).numpy()

    own = []
    for draw in range(samples):
        with on_policy.seeded_sampling(1234, draw, 0, torch.device("cpu")):
            sampled = on_policy.student_completions(student, accelerator, reference, settings, tokenizer.pad_token_id)
        own.append(row_kl(sampled))
    return np.mean(own, axis=0), row_kl(reference)


def interval(values: np.ndarray, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = [rng.choice(values, size=len(values)).mean() for _ in range(2000)]
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--samples", type=int, default=4, help="completions sampled per held-out prompt")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-on-policy-") as scratch:
        work = Path(scratch)
        teacher, start, train_data, held = build(work)
        results, seconds = {}, {}
        for name, share in (("off_policy", 0.0), ("on_policy", 0.5)):
            seconds[name] = distil(teacher, start, train_data, work / name, share, args.steps)
            results[name] = per_prompt_kl(work / name, teacher, held, args.samples)
        start_own, start_ref = per_prompt_kl(start, teacher, held, args.samples)

    n = len(results["on_policy"][0])
    print(
        f"KL(teacher || student) per token on {n} held-out prompts, after {args.steps} steps of {BATCH} (mean, 95% CI)"
    )
    print(f"  {'student':22} {'own completions':>26} {'reference answers':>26} {'train s':>8}")
    rows = {"start (before KD)": (start_own, start_ref, None)}
    rows.update({f"{k} (λ={0.5 if k == 'on_policy' else 0})": (*v, seconds[k]) for k, v in results.items()})
    for label, (own, ref, secs) in rows.items():
        lo, hi = interval(own)
        rlo, rhi = interval(ref)
        took = "" if secs is None else f"{secs:8.1f}"
        print(f"  {label:22} {own.mean():8.4f} [{lo:.4f}, {hi:.4f}] {ref.mean():8.4f} [{rlo:.4f}, {rhi:.4f}] {took}")
    difference = results["on_policy"][0] - results["off_policy"][0]
    dlo, dhi = interval(difference)
    print(f"  on - off, own completions, paired by prompt: {difference.mean():+.4f} [{dlo:+.4f}, {dhi:+.4f}]")
    print("  expected: lower for on-policy on the students' own completions")
    summary = {
        "kl_on_policy": round(float(results["on_policy"][0].mean()), 5),
        "kl_off_policy": round(float(results["off_policy"][0].mean()), 5),
        "measured_on": "the students' own sampled completions of held-out prompts",
        "difference_ci95": [round(dlo, 5), round(dhi, 5)],
        "kl_reference_answers": {k: round(float(v[1].mean()), 5) for k, v in results.items()},
        "kl_start": round(float(start_own.mean()), 5),
        "prompts": n,
        "samples_per_prompt": args.samples,
        "steps": args.steps,
        "train_seconds": {k: round(v, 1) for k, v in seconds.items()},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
