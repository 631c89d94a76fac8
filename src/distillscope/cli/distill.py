"""`distillscope train`, `teacher-cache` and `eval`: parse, call the distill library, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from distillscope.cli.common import load_job
from distillscope.cli.console import ProgressBar, console, err_console
from distillscope.distill.common import ranks
from distillscope.distill.signal import LOSSES
from distillscope.fileio.paths import check_output_file, job_inputs

# The distill library pulls in torch and transformers (seconds to import), so each command imports
# it when it runs: `distillscope --help` and every other command stay quick.

ConfigOption = Annotated[Path | None, typer.Option("--config", help="YAML with the same fields as the flags.")]


def train_command(
    mode: Annotated[str | None, typer.Option(help="sft | kd | kd-offline.")] = None,
    student: Annotated[str | None, typer.Option(help="Model to start from (hf:./dir or hub id).")] = None,
    teacher: Annotated[str | None, typer.Option(help="Teacher for kd.")] = None,
    teacher_cache: Annotated[Path | None, typer.Option(help="Teacher cache folder for kd-offline.")] = None,
    data: Annotated[str | None, typer.Option(help="Training data (JSONL of messages or text, or hf:NAME).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output model folder.")] = None,
    loss: Annotated[str | None, typer.Option(help=f"KD loss: {LOSSES.describe()}.")] = None,
    temperature: Annotated[float | None, typer.Option(help="KD temperature.")] = None,
    kd_weight: Annotated[float | None, typer.Option(help="w in w*KD + (1-w)*CE.")] = None,
    beta: Annotated[float | None, typer.Option(help="JSD beta.")] = None,
    alpha: Annotated[float | None, typer.Option(help="Skew KL alpha.")] = None,
    max_length: Annotated[int | None, typer.Option(help="Tokens per example.")] = None,
    epochs: Annotated[float | None, typer.Option(help="Passes over the data.")] = None,
    max_steps: Annotated[int | None, typer.Option(help="Optimizer steps (overrides epochs).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Examples per device per step.")] = None,
    grad_accum: Annotated[int | None, typer.Option(help="Gradient accumulation steps.")] = None,
    learning_rate: Annotated[float | None, typer.Option("--lr", help="Peak learning rate.")] = None,
    precision: Annotated[str | None, typer.Option(help="fp32 | bf16 | fp16.")] = None,
    lora_r: Annotated[int | None, typer.Option(help="Train LoRA adapters of this rank.")] = None,
    on_policy: Annotated[
        float | None, typer.Option(help="kd: share λ of batches the student completes itself (on-policy, GKD).")
    ] = None,
    max_new_tokens: Annotated[int | None, typer.Option(help="Longest on-policy completion.")] = None,
    cross_tokenizer: Annotated[
        str | None, typer.Option(help="kd with a teacher of another tokenizer: uld (text-aligned positions).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed.")] = None,
    config: ConfigOption = None,
) -> None:
    """Train a student: SFT on teacher-written data, or KD from a teacher's logits (live or cached)."""
    from distillscope.distill.training import TrainJob, train

    loss_flags = {"name": loss, "temperature": temperature, "kd_weight": kd_weight, "beta": beta, "alpha": alpha}
    flags = {
        "mode": mode,
        "student": student,
        "teacher": teacher,
        "teacher_cache": teacher_cache,
        "data": data,
        "output": output,
        "loss": loss_flags,
        "max_length": max_length,
        "epochs": epochs,
        "max_steps": max_steps,
        "batch_size": batch_size,
        "grad_accum": grad_accum,
        "learning_rate": learning_rate,
        "precision": precision,
        "lora": {"r": lora_r} if lora_r else None,
        "on_policy": on_policy,
        "max_new_tokens": max_new_tokens,
        "cross_tokenizer": cross_tokenizer,
        "seed": seed,
    }
    job = load_job(config, TrainJob, flags)
    if ranks.lone_cpu_launch():
        err_console.print(
            "[yellow]note:[/] `accelerate launch --cpu` started one process (several CPU processes need MPI); "
            "for N processes on the CPU, run `accelerate launch --multi_gpu --num_processes N` where no GPU is "
            "visible (CUDA_VISIBLE_DEVICES=), or torchrun",
            soft_wrap=True,
        )
    if not ranks.is_main_process():  # under `accelerate launch` every process trains; the first one reports
        train(job)
        return
    with ProgressBar(f"train {job.mode}") as bar:
        summary = train(
            job,
            on_start=bar.start,
            on_step=lambda logs: bar.advance(note=_loss_note(logs)),
        )
    table = Table(title=f"Trained {summary.output}", title_justify="left")
    for column in ("steps", "examples", "trained tokens", "train loss", "runtime"):
        table.add_column(column, justify="right")
    table.add_row(
        str(summary.steps),
        str(summary.examples),
        f"{summary.trained_tokens:,}",
        f"{summary.metrics.get('train_loss', float('nan')):.4f}",
        f"{summary.runtime_s:.1f} s",
    )
    console.print(table)
    if summary.already_done:
        console.print("this exact job already finished in that folder: nothing to train")
    elif summary.resumed_from:
        console.print(f"resumed from {summary.resumed_from}")
    if summary.processes > 1:
        per_step = summary.processes * job.batch_size * job.grad_accum
        console.print(
            f"{summary.processes} processes, {per_step} examples per step "
            f"({summary.processes} × batch {job.batch_size} × accum {job.grad_accum})"
        )


def _loss_note(logs: dict[str, float]) -> str:
    shown = ("loss", "loss_kd", "loss_ce", "on_policy_share")
    parts = [f"{k.removeprefix('loss_')} {v:.3f}" for k, v in logs.items() if k in shown]
    return "[dim]" + "  ".join(parts) + "[/]"


def teacher_cache_command(
    teacher: Annotated[str | None, typer.Option(help="Teacher model.")] = None,
    data: Annotated[str | None, typer.Option(help="The student's training data.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Cache folder.")] = None,
    k: Annotated[int | None, typer.Option("-k", "--k", help="Top-k tokens per position.")] = None,
    temperature: Annotated[float | None, typer.Option(help="The KD temperature the cache will serve.")] = None,
    format_version: Annotated[
        int | None, typer.Option("--format", help="3: packed rows (default); 2: the older, larger layout.")
    ] = None,
    tail_samples: Annotated[
        int | None, typer.Option(help="Ids drawn from the teacher's tail per token (format 3; 0: one tail bin).")
    ] = None,
    max_length: Annotated[int | None, typer.Option(help="Must match the training run.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Examples per forward pass.")] = None,
    config: ConfigOption = None,
) -> None:
    """Store the teacher's top-k log-probs per trained token, so KD can run without the teacher."""
    from distillscope.distill.signal import TeacherCacheJob, run_teacher_cache

    flags = {
        "teacher": teacher,
        "data": data,
        "output": output,
        "k": k,
        "temperature": temperature,
        "format_version": format_version,
        "tail_samples": tail_samples,
        "max_length": max_length,
        "batch_size": batch_size,
    }
    job = load_job(config, TeacherCacheJob, flags)
    if not ranks.is_main_process():  # under `accelerate launch` the first process builds; the others wait
        run_teacher_cache(job)
        return
    with ProgressBar("teacher cache") as bar:
        cache = run_teacher_cache(job, on_start=bar.start, on_batch=lambda n: bar.advance(steps=n, note=""))
    meta = cache.meta
    console.print(
        f"{meta.examples} examples, {meta.tokens:,} tokens, k={meta.k}: "
        f"{meta.bytes_per_token:.1f} bytes per token → {cache.folder}"
    )


def eval_command(
    student: Annotated[str | None, typer.Option(help="Model to evaluate.")] = None,
    teacher: Annotated[str | None, typer.Option(help="Teacher to compare with.")] = None,
    data: Annotated[str | None, typer.Option(help="Held-out data.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report as JSON.")] = None,
    max_length: Annotated[int | None, typer.Option(help="Tokens per example.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Examples per forward pass.")] = None,
    config: ConfigOption = None,
) -> None:
    """Perplexity on held-out data; with a teacher, top-1 agreement and mean KL(teacher || student)."""
    from distillscope.distill.training import EvalJob, evaluate, write_report

    flags = {"student": student, "teacher": teacher, "data": data, "max_length": max_length, "batch_size": batch_size}
    job = load_job(config, EvalJob, flags)
    if output is not None:
        check_output_file(output, inputs=job_inputs(job))  # before the evaluation, not after it
    with ProgressBar("eval") as bar:
        report = evaluate(job, on_start=bar.start, on_batch=lambda n: bar.advance(steps=n, note=""))
    table = Table(title=f"Evaluation of {report.student}", title_justify="left")
    for column in ("examples", "tokens", "perplexity", "top-1 agreement", "mean KL(teacher‖student)"):
        table.add_column(column, justify="right")
    table.add_row(
        str(report.examples),
        f"{report.tokens:,}",
        f"{report.perplexity:.3f}",
        _maybe(report.top1_agreement),
        _maybe(report.mean_kl),
    )
    console.print(table)
    if output is not None:
        write_report(report, output)
        console.print(f"report → {output}")


def _maybe(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
