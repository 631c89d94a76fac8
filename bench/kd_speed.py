"""KD training speed against trl's GKDTrainer, and the memory of a KD step against an SFT step.

1. Speed: the same tiny teacher, student and chat data. Our `train --mode kd` (forward KL, T=1, pure
   KD) is timed against trl's GKDTrainer off-policy (lmbda=0, beta=0: forward KL), with the same
   steps, batch size and learning rate. Both trainers see the same number of examples, so tokens/s
   uses one shared token count. Expected: ours/trl at least 1.0.
2. Memory: at a 152k vocabulary (a Qwen-sized head on a tiny body), each step runs in a fresh
   subprocess. The peak resident memory during training is measured above the level just before
   training starts. A KD step is compared with an SFT step as transformers' Trainer computes it
   (full logits). Expected: KD/SFT at most 1.5.

    .venv/bin/python bench/kd_speed.py [--steps 30] [--vocabs 384,32000] [--memory-vocab 152064]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

BATCH, LR = 8, 3e-3


def build_models(work: Path, vocab: int | None) -> tuple[Path, Path]:
    """The toy teacher (trained) and a fresh student, both with `vocab` logit rows (None: as trained)."""
    from distillscope.distill.loading import load_model, load_tokenizer
    from distillscope.testing.toy import build_toy_model
    from distillscope.zoo.tinymodels import make_tiny_model, save_model

    base = work / "teacher-base"
    if not (base / "config.json").exists():
        build_toy_model(base, steps=200)
    tokenizer = load_tokenizer(base)
    teacher, student = load_model(base), make_tiny_model(tokenizer, seed=1)
    tag = vocab or len(tokenizer)
    if vocab is not None:
        for model in (teacher, student):
            model.resize_token_embeddings(vocab, mean_resizing=False)
    return (
        save_model(teacher, tokenizer, work / f"teacher-{tag}"),
        save_model(student, tokenizer, work / f"student-{tag}"),
    )


def write_chat_data(work: Path, count: int = 400) -> Path:
    from distillscope.fileio.jsonl import write_jsonl
    from distillscope.testing.toy import toy_conversations

    path = work / "chat.jsonl"
    write_jsonl(path, [{"messages": c} for c in toy_conversations(count, seed=11)])
    return path


def mean_tokens(student: Path, data: Path) -> float:
    from distillscope.distill.dataset import build_examples, load_training_records
    from distillscope.distill.loading import load_tokenizer

    examples = build_examples(load_tokenizer(student), load_training_records(data), 512)
    return sum(len(e.input_ids) for e in examples) / len(examples)


def time_ours(teacher: Path, student: Path, data: Path, out: Path, steps: int) -> float:
    from distillscope.distill.train import TrainJob, train

    job = TrainJob(
        mode="kd",
        student=str(student),
        teacher=str(teacher),
        data=str(data),
        output=out,
        max_steps=steps,
        batch_size=BATCH,
        learning_rate=LR,
        loss={"name": "forward_kl", "kd_weight": 1.0},
        save_steps=10_000,
        logging_steps=10_000,
        resume=False,
        max_length=512,
    )
    return train(job).runtime_s


def time_trl(teacher: Path, student: Path, data: Path, out: Path, steps: int) -> float:
    from datasets import load_dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl.experimental.gkd import GKDConfig, GKDTrainer

    tokenizer = AutoTokenizer.from_pretrained(student)
    args = GKDConfig(
        output_dir=str(out),
        max_steps=steps,
        per_device_train_batch_size=BATCH,
        learning_rate=LR,
        lmbda=0.0,
        beta=0.0,
        temperature=1.0,
        bf16=False,
        report_to=[],
        save_strategy="no",
        logging_strategy="no",
        disable_tqdm=True,
        max_length=512,
        seed=0,
    )
    trainer = GKDTrainer(
        model=AutoModelForCausalLM.from_pretrained(student),
        teacher_model=AutoModelForCausalLM.from_pretrained(teacher),
        args=args,
        train_dataset=load_dataset("json", data_files=str(data), split="train"),
        processing_class=tokenizer,
    )
    started = time.perf_counter()
    trainer.train()
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------- memory
def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory_probe(kind: str, teacher: Path, student: Path, data: Path, out: Path) -> dict[str, float]:
    """Run 3 training steps of one kind in this process; report peak RSS above the pre-training level."""
    import torch
    from transformers import Trainer, TrainingArguments

    from distillscope.distill.dataset import DistillCollator, build_examples, load_training_records
    from distillscope.distill.loading import load_model, load_tokenizer, vocab_rows
    from distillscope.distill.loss_config import KDLoss
    from distillscope.distill.train import DistillSetup, DistillTrainer

    torch.manual_seed(0)
    tokenizer = load_tokenizer(student)
    model = load_model(student)
    examples = build_examples(tokenizer, load_training_records(data), 256)
    rows = [{"input_ids": e.input_ids, "labels": e.labels, "index": i} for i, e in enumerate(examples)]
    args = TrainingArguments(
        output_dir=str(out),
        max_steps=3,
        per_device_train_batch_size=4,
        learning_rate=1e-3,
        report_to=[],
        save_strategy="no",
        logging_strategy="no",
        disable_tqdm=True,
        remove_unused_columns=False,
        dataloader_pin_memory=False,
        use_cpu=True,
    )
    collator = DistillCollator(tokenizer.pad_token_id)
    if kind == "sft-hf":
        trainer: Trainer = Trainer(model=model, args=args, train_dataset=rows, data_collator=collator)
    else:
        teacher = load_model(teacher).eval().requires_grad_(False) if kind == "kd" else None
        setup = DistillSetup("kd" if kind == "kd" else "sft", KDLoss(kd_weight=1.0), vocab_rows(model), teacher)
        trainer = DistillTrainer(model=model, args=args, train_dataset=rows, data_collator=collator, setup=setup)
    peak, done = [_rss_mb()], threading.Event()
    baseline = peak[0]

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    trainer.train()
    done.set()
    sampler.join()
    return {"baseline_mb": baseline, "peak_mb": peak[0], "step_mb": peak[0] - baseline}


def long_text_data(work: Path) -> Path:
    """Plain-text records of about 256 tokens: activations, not weights, dominate the step."""
    from distillscope.fileio.jsonl import write_jsonl
    from distillscope.testing.toy import toy_conversations

    sentences = [turn["content"] for conv in toy_conversations(600, seed=5) for turn in conv]
    records = [{"text": " ".join(sentences[i : i + 40])} for i in range(0, 480, 40)]
    path = work / "long.jsonl"
    write_jsonl(path, records)
    return path


def run_probe_subprocess(kind: str, teacher: Path, student: Path, data: Path, work: Path) -> dict[str, float]:
    cmd = [
        sys.executable,
        __file__,
        "--probe",
        kind,
        "--teacher",
        str(teacher),
        "--student",
        str(student),
        "--data",
        str(data),
        "--work",
        str(work),
    ]
    # glibc keeps freed blocks below its (self-raising) mmap threshold in the heap, so RSS would count
    # memory the step already released; a fixed threshold returns every large block to the system.
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072", "MALLOC_TRIM_THRESHOLD_": "131072"}
    result = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--vocabs", default="384,32000", help="logit rows for the speed runs (384: the toy's own)")
    parser.add_argument("--memory-vocab", type=int, default=152064)
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    parser.add_argument("--teacher", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--student", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(memory_probe(args.probe, args.teacher, args.student, args.data, args.work / args.probe)))
        return

    with tempfile.TemporaryDirectory(prefix="bench-kd-") as scratch:
        work = Path(scratch)
        data = write_chat_data(work)
        print(f"KD training speed, {args.steps} steps of {BATCH} chat examples, forward KL, CPU")
        for vocab in [int(v) for v in args.vocabs.split(",")]:
            teacher, student = build_models(work, None if vocab == 384 else vocab)
            tokens = args.steps * BATCH * mean_tokens(student, data)
            trl_s = time_trl(teacher, student, data, work / f"trl-{vocab}", args.steps)
            ours_s = time_ours(teacher, student, data, work / f"ours-{vocab}", args.steps)
            print(
                f"  vocab {vocab:>6}: ours {tokens / ours_s:8.0f} tok/s   trl GKDTrainer {tokens / trl_s:8.0f} tok/s"
                f"   ours/trl {trl_s / ours_s:.2f}x  (expected: at least 1.0)"
            )

        teacher, student = build_models(work, args.memory_vocab)
        text = long_text_data(work)
        probes = {kind: run_probe_subprocess(kind, teacher, student, text, work) for kind in ("sft-hf", "sft", "kd")}
        print(f"\nPeak memory of a training step at vocab {args.memory_vocab} (batch 4 x ~256 tokens, CPU RSS above")
        print("the level before training; each in a fresh process)")
        labels = {"sft-hf": "SFT, transformers Trainer loss", "sft": "SFT, ours (chunked)", "kd": "KD, ours (chunked)"}
        for kind, probe in probes.items():
            print(f"  {labels[kind]:32} {probe['step_mb']:8.0f} MB   (process peak {probe['peak_mb']:.0f} MB)")
        ratio = probes["kd"]["step_mb"] / probes["sft-hf"]["step_mb"]
        print(f"  KD / SFT: {ratio:.2f}x  (expected: at most 1.5)")


if __name__ == "__main__":
    main()
