"""KD training speed and peak memory: our engine against trl's DistillationTrainer and GKDTrainer.

Same tiny teacher (the toy model, trained), same fresh student, both resized to a vocabulary of 32,000
and of 152,064 logit rows; same chat data in the same order (sequential over a shuffled file); pure
forward KL at T = 1 on the assistant's tokens; batch 8; the same steps, learning rate and schedule
(linear, no warm-up), AdamW defaults, gradient clipping at 1, fp32, gradient checkpointing on or
off for all alike; each run in a fresh process under the same allocator settings.

- ours: `distillscope train --mode kd` (the library's `train`).
- DistillationTrainer (trl 1.x, beta = 0): trl 1.16 has no off-policy switch, it always samples
  the completion from the student. Here it is fed the dataset's answers as its completions: a
  subclass returns the example's own prompt and completion ids from the two generation hooks
  (`_tokenize_prompts`, `_generate_single_turn`); everything after that (loss, chunked kernel,
  optimisation) is trl's.
- GKDTrainer (trl.experimental, lmbda = 0, beta = 0): off-policy by its own switch, full logits.

Each trainer sees the same token ids: the trl trainers get our tokenisation of each example
(prompt, then the assistant's tokens through its end-of-turn), so the trained tokens and their
count are identical, and tokens/s uses that one count for all. Reported per vocabulary: the
median tokens/s and peak memory over the runs, the last step's training loss of each and the
held-out forward KL(teacher || student) after training (both should agree within 1%: same data,
same schedule, same objective), and ratios ours/theirs (speed above 1 and memory below 1 favour
ours). Memory is the peak resident set above the level at the start of training on CPU, or the
peak CUDA allocation on a GPU.

The last line is JSON: {"vs": {"distillation_trainer": {"32000": {"speed", "memory"}, ...}, "gkd": ...}, ...}.

    .venv/bin/python bench/kd_speed.py [--quick] [--steps 30] [--repeats 3] [--vocabs 32000,152064]
        [--gradient-checkpointing] [--device cpu|cuda] [--bf16]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import doubles_on_path  # noqa: F401 - puts tests/ (the doubles) on the path

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")

BATCH, LR, MAX_LENGTH = 8, 3e-3, 512
TRAINERS = ("ours", "distillation_trainer", "gkd")
# glibc keeps freed blocks below its (self-raising) mmap threshold in the heap, so RSS would count memory a
# step already released; a fixed threshold returns every large block to the system. Same for every trainer.
ALLOCATOR = {"MALLOC_MMAP_THRESHOLD_": "131072", "MALLOC_TRIM_THRESHOLD_": "131072"}


# ------------------------------------------------------------------------------------------ setup
def build_models(work: Path, vocab: int) -> tuple[Path, Path]:
    """The toy teacher (trained) and a fresh student, both with `vocab` logit rows."""
    from distillscope.distill.common import load_model, load_tokenizer
    from distillscope.zoo.tinymodels import make_tiny_model, save_model
    from doubles.toy import build_toy_model

    base = work / "teacher-base"
    if not (base / "config.json").exists():
        build_toy_model(base, steps=200)
    tokenizer = load_tokenizer(base)
    teacher, student = load_model(base), make_tiny_model(tokenizer, seed=1)
    for model in (teacher, student):
        model.resize_token_embeddings(vocab, mean_resizing=False)
    return save_model(teacher, tokenizer, work / f"teacher-{vocab}"), save_model(
        student, tokenizer, work / f"student-{vocab}"
    )


def write_data(work: Path) -> tuple[Path, Path]:
    """Training chat data in a fixed shuffled order, and held-out data."""
    from distillscope.fileio.jsonl import write_jsonl
    from doubles.toy import toy_conversations

    conversations = toy_conversations(400, seed=11)
    random.Random(0).shuffle(conversations)
    train, held = work / "chat.jsonl", work / "held.jsonl"
    write_jsonl(train, [{"messages": c} for c in conversations])
    write_jsonl(held, [{"messages": c} for c in toy_conversations(48, seed=12)])
    return train, held


def token_rows(student: Path, data: Path) -> list[dict]:
    """Our tokenisation of each example, as prompt ids and the assistant's ids (through end-of-turn)."""
    from distillscope.distill.common import build_examples, load_tokenizer, load_training_records

    rows = []
    for example in build_examples(load_tokenizer(student), load_training_records(data), MAX_LENGTH):
        first, last = example.loss_positions[0] + 1, example.loss_positions[-1] + 1
        rows.append({"prompt_ids": example.input_ids[:first], "completion_ids": example.input_ids[first : last + 1]})
    return rows


def trained_tokens(rows: list[dict], steps: int) -> int:
    return sum(len(r["completion_ids"]) for r in rows[: steps * BATCH])


# ------------------------------------------------------------------------------- one run (child)
class PeakMemory:
    """Peak memory from the start of training: CUDA allocations on a GPU, else the process's RSS."""

    def __init__(self) -> None:
        self.baseline = self.peak = 0.0
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._result: float | None = None

    @staticmethod
    def _rss_mb() -> float:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def start(self, *_: object) -> None:
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.baseline = torch.cuda.memory_allocated() / 2**20
            return
        self.baseline = self.peak = self._rss_mb()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, self._rss_mb())
            time.sleep(0.002)

    def stop(self) -> float:
        """The peak above the baseline; the first call (at the end of the last step) fixes it."""
        import torch

        if self._result is None:
            if torch.cuda.is_available():
                torch.cuda.synchronize()
                self._result = torch.cuda.max_memory_allocated() / 2**20 - self.baseline
            else:
                self._done.set()
                if self._thread is not None:
                    self._thread.join()
                self._result = self.peak - self.baseline
        return self._result


def heldout_kl(student, teacher_dir: Path, held: Path) -> float:
    """Mean forward KL(teacher || student) per trained token on held-out chat data."""
    import torch

    from distillscope.distill.common import (
        IGNORE,
        DistillCollator,
        build_examples,
        load_model,
        load_tokenizer,
        load_training_records,
        vocab_rows,
    )
    from distillscope.distill.signal import TeacherSignal, agreement_sums, output_head

    tokenizer, teacher = load_tokenizer(teacher_dir), load_model(teacher_dir).eval()
    device = next(student.parameters()).device
    teacher.to(device)
    examples = build_examples(tokenizer, load_training_records(held), MAX_LENGTH)
    batch = DistillCollator(tokenizer.pad_token_id)([{"input_ids": e.input_ids, "labels": e.labels} for e in examples])
    batch = {k: v.to(device) for k, v in batch.items()}
    mask = batch["labels"][:, 1:] != IGNORE
    inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"], "output_hidden_states": True}
    student.eval()
    with torch.no_grad():
        s_hidden = student(**inputs).hidden_states[-1][:, :-1][mask]
        t_hidden = teacher(**inputs).hidden_states[-1][:, :-1][mask]
    vocab = vocab_rows(teacher)
    signal = TeacherSignal(hidden=t_hidden, head=output_head(teacher, vocab))
    sums = agreement_sums(s_hidden, output_head(student, vocab), batch["labels"][:, 1:][mask], signal, vocab)
    return sums.kl / sums.tokens


def run_ours(args, memory: PeakMemory, losses: list[float]) -> tuple[float, object]:
    import distillscope.distill.training.job as train_module
    from distillscope.distill.common import load_model

    original = train_module.training_arguments

    def sequential(job):  # the same order for every trainer: the file's
        settings = original(job)
        settings.train_sampling_strategy = "sequential"
        return settings

    train_module.training_arguments = sequential
    job = train_module.TrainJob(
        mode="kd",
        student=str(args.student),
        teacher=str(args.teacher),
        data=str(args.data),
        output=args.work / "ours",
        max_steps=args.steps,
        batch_size=BATCH,
        learning_rate=LR,
        lr_scheduler="linear",
        warmup_ratio=0.0,
        gradient_checkpointing=args.gradient_checkpointing,
        precision="bf16" if args.bf16 else "fp32",
        loss={"name": "forward_kl", "kd_weight": 1.0},
        save_steps=10_000,
        logging_steps=1,
        resume=False,
        max_length=MAX_LENGTH,
        device=args.device,
    )

    def on_step(logs: dict) -> None:
        if "loss" in logs:
            losses.append(float(logs["loss"]))
        if len(losses) == args.steps:
            memory.stop()  # before the model is saved, as for the trl runs

    summary = train_module.train(job, on_start=memory.start, on_step=on_step)
    return summary.runtime_s, load_model(job.output, device=args.device)


def trl_settings(args) -> dict:
    return {
        "output_dir": str(args.work / args.probe),
        "max_steps": args.steps,
        "per_device_train_batch_size": BATCH,
        "learning_rate": LR,
        "lr_scheduler_type": "linear",
        "warmup_steps": 0,
        "weight_decay": 0.0,
        "gradient_checkpointing": args.gradient_checkpointing,
        "beta": 0.0,
        "temperature": 1.0,
        "bf16": args.bf16,
        "fp16": False,
        "report_to": [],
        "save_strategy": "no",
        "logging_strategy": "steps",
        "logging_steps": 1,
        "disable_tqdm": True,
        "seed": 0,
        "data_seed": 0,
        "use_cpu": args.device == "cpu",
        "dataloader_pin_memory": False,
    }


def run_trl(args, memory: PeakMemory, losses: list[float]) -> tuple[float, object]:
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback

    from distillscope.distill.common import IGNORE, DistillCollator

    class Probe(TrainerCallback):
        def on_train_begin(self, *a, **k):
            memory.start()

        def on_log(self, _args, _state, _control, logs=None, **k):
            if logs and "loss" in logs:
                losses.append(float(logs["loss"]))

        def on_train_end(self, *a, **k):
            memory.stop()

    rows = token_rows(args.student, args.data)
    tokenizer = AutoTokenizer.from_pretrained(args.student)
    student = AutoModelForCausalLM.from_pretrained(args.student, dtype="float32")
    teacher = AutoModelForCausalLM.from_pretrained(args.teacher, dtype="float32")
    if args.probe == "distillation_trainer":
        from trl import DistillationConfig, DistillationTrainer

        class DatasetCompletions(DistillationTrainer):
            """Off-policy: the dataset's own prompt and completion ids stand in for tokenising and sampling."""

            def _generate_and_score_completions(self, inputs):
                self._pending = inputs
                return super()._generate_and_score_completions(inputs)

            def _tokenize_prompts(self, prompts):
                return [list(x["prompt_ids"]) for x in self._pending], None, {}

            def _generate_single_turn(self, prompt_ids, images, multimodal_fields, has_tool_images=False):
                return [list(x["completion_ids"]) for x in self._pending]

        config = DistillationConfig(**trl_settings(args), shuffle_dataset=False, max_completion_length=MAX_LENGTH)
        data = Dataset.from_list([{"prompt": "unused: ids are given", **r} for r in rows])
        trainer = DatasetCompletions(
            model=student, teacher_model=teacher, args=config, train_dataset=data, processing_class=tokenizer
        )
    else:
        from trl.experimental.gkd import GKDConfig, GKDTrainer

        config = GKDConfig(**trl_settings(args), lmbda=0.0, max_length=MAX_LENGTH, train_sampling_strategy="sequential")
        data = Dataset.from_list(
            [
                {
                    "input_ids": r["prompt_ids"] + r["completion_ids"],
                    "labels": [IGNORE] * len(r["prompt_ids"]) + r["completion_ids"],
                }
                for r in rows
            ]
        )
        trainer = GKDTrainer(
            model=student,
            teacher_model=teacher,
            args=config,
            train_dataset=data,
            processing_class=tokenizer,
            data_collator=DistillCollator(tokenizer.pad_token_id),  # the same right-padded batches as ours
        )
    trainer.add_callback(Probe())
    started = time.perf_counter()
    trainer.train()
    return time.perf_counter() - started, trainer.model


def child(args) -> None:
    import torch

    torch.manual_seed(0)
    memory, losses = PeakMemory(), []
    runner = run_ours if args.probe == "ours" else run_trl
    seconds, model = runner(args, memory, losses)
    peak = memory.stop()
    kl = heldout_kl(model, args.teacher, args.held)
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "final_loss": losses[-1], "heldout_kl": kl}))


# ---------------------------------------------------------------------------------------- parent
def run_child(kind: str, teacher: Path, student: Path, data: Path, held: Path, work: Path, args) -> dict:
    cmd = [sys.executable, __file__, "--probe", kind, "--steps", str(args.steps), "--device", args.device]
    for flag, value in (("--teacher", teacher), ("--student", student), ("--data", data), ("--held", held)):
        cmd += [flag, str(value)]
    cmd += ["--work", str(work)] + (["--gradient-checkpointing"] if args.gradient_checkpointing else [])
    cmd += ["--bf16"] if args.bf16 else []
    result = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **ALLOCATOR})
    if result.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 4 steps, 1 repeat")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--vocabs", default="32000,152064")
    parser.add_argument("--gradient-checkpointing", action="store_true", help="on for every trainer")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--bf16", action="store_true", help="bf16 mixed precision for every trainer (GPU)")
    for hidden in ("--probe", "--teacher", "--student", "--data", "--held", "--work"):
        parser.add_argument(hidden, type=str if hidden == "--probe" else Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        child(args)
        return
    if args.quick:
        args.steps, args.repeats = 4, 1

    report: dict = {"steps": args.steps, "batch": BATCH, "repeats": args.repeats, "device": args.device}
    report["gradient_checkpointing"] = args.gradient_checkpointing
    report["precision"] = "bf16" if args.bf16 else "fp32"
    vs: dict = {name: {} for name in TRAINERS[1:]}
    with tempfile.TemporaryDirectory(prefix="bench-kd-") as scratch:
        work = Path(scratch)
        data, held = write_data(work)
        print(f"KD training, {args.steps} steps of {BATCH} chat examples, forward KL, T=1, {args.device};")
        print(f"median of {args.repeats} runs each, every run in a fresh process")
        for vocab in [int(v) for v in args.vocabs.split(",")]:
            teacher, student = build_models(work, vocab)
            tokens = trained_tokens(token_rows(student, data), args.steps)
            runs: dict[str, list[dict]] = {name: [] for name in TRAINERS}
            for repeat in range(args.repeats):
                order = TRAINERS[repeat % 3 :] + TRAINERS[: repeat % 3]  # spread drifting load evenly
                for name in order:
                    folder = work / f"{name}-{vocab}-{repeat}"  # a fresh output: a finished job is not rerun
                    runs[name].append(run_child(name, teacher, student, data, held, folder, args))
            summary = {}
            for name, results in runs.items():
                summary[name] = {
                    "tokens_per_s": tokens / statistics.median(r["seconds"] for r in results),
                    "peak_mb": statistics.median(r["peak_mb"] for r in results),
                    "final_loss": results[-1]["final_loss"],
                    "heldout_kl": results[-1]["heldout_kl"],
                    "seconds": [round(r["seconds"], 2) for r in results],
                }
            print(f"\n  vocab {vocab:,} ({tokens:,} trained tokens per run)")
            print(f"    {'trainer':22} {'tokens/s':>9} {'peak MB':>9} {'last loss':>10} {'held-out KL':>12}")
            for name, row in summary.items():
                print(
                    f"    {name:22} {row['tokens_per_s']:9.0f} {row['peak_mb']:9.0f} "
                    f"{row['final_loss']:10.4f} {row['heldout_kl']:12.4f}"
                )
            ours = summary["ours"]
            for name in TRAINERS[1:]:
                theirs = summary[name]
                vs[name][str(vocab)] = {
                    "speed": round(ours["tokens_per_s"] / theirs["tokens_per_s"], 3),
                    "memory": round(ours["peak_mb"] / max(theirs["peak_mb"], 1e-9), 3),
                    "loss_gap": round(abs(ours["final_loss"] / theirs["final_loss"] - 1), 5),
                    "kl_gap": round(abs(ours["heldout_kl"] / theirs["heldout_kl"] - 1), 5),
                }
                row = vs[name][str(vocab)]
                print(
                    f"    ours/{name}: speed {row['speed']:.2f}x (goal >= 1.2), "
                    f"memory {row['memory']:.2f}x (goal <= 1.0), "
                    f"last loss differs {row['loss_gap']:.2%}, held-out KL {row['kl_gap']:.2%} (goal < 1%)"
                )
            report[str(vocab)] = {name: {k: v for k, v in row.items()} for name, row in summary.items()}
    report["vs"] = vs
    print(json.dumps(report))


if __name__ == "__main__":
    main()
