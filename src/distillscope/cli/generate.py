"""`distillscope generate`: parse flags (or a YAML job), run the teacher, print what each filter dropped."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.table import Table

from distillscope.cli.common import fail_on_failed_calls, fail_on_unreadable_judges, generate_config, load_job, state
from distillscope.cli.console import StagedProgress, console, plan_summary, plan_table, shown, usage_table
from distillscope.data.sources import PromptSource
from distillscope.distill.generation import (
    ExpandSettings,
    FilterSettings,
    GenerateJob,
    GeneratePlan,
    GenerateSummary,
    generate_data,
    plan_generate,
)
from distillscope.judges.quality import QualityJudgeConfig
from distillscope.models.planning import planning_only


def generate(
    ctx: typer.Context,
    teacher: Annotated[str | None, typer.Argument(help="Teacher model spec or alias.", show_default=False)] = None,
    source: Annotated[
        str | None, typer.Option("--source", "-s", help="Prompts: .jsonl/.json/.csv/.parquet or hf:NAME.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Records JSONL (chat `messages` format).")
    ] = None,
    mode: Annotated[str | None, typer.Option(help="respond, cot or expand.")] = None,
    models: Annotated[Path | None, typer.Option("--models", help="YAML file of named models.")] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="YAML job with every setting (flags override it).")
    ] = None,
    n: Annotated[int | None, typer.Option("-n", help="Teacher samples per prompt.")] = None,
    system: Annotated[str | None, typer.Option(help="Teacher system prompt ('' for none).")] = None,
    sample: Annotated[int | None, typer.Option(help="Use this many source prompts, drawn with the seed.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for expand examples and the category cap.")] = None,
    temperature: Annotated[float | None, typer.Option(help="Teacher sampling temperature.")] = None,
    top_p: Annotated[float | None, typer.Option(help="Teacher nucleus sampling mass.")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Most tokens per teacher reply.")] = None,
    sampling_seed: Annotated[int | None, typer.Option(help="Teacher sampling seed, where honoured.")] = None,
    dedup: Annotated[
        bool | None, typer.Option("--dedup/--no-dedup", help="Drop duplicates.", show_default=False)
    ] = None,
    near_duplicate_threshold: Annotated[float | None, typer.Option(help="Shingle Jaccard for near duplicates.")] = None,
    min_chars: Annotated[int | None, typer.Option(help="Shortest response kept (characters).")] = None,
    max_chars: Annotated[int | None, typer.Option(help="Longest response kept (characters).")] = None,
    language: Annotated[list[str] | None, typer.Option(help="Expected language (en, zh, ..., same_as_prompt).")] = None,
    category_cap: Annotated[int | None, typer.Option(help="Most records kept per category.")] = None,
    verify: Annotated[
        bool | None, typer.Option("--verify/--no-verify", help="cot: check answers.", show_default=False)
    ] = None,
    judge: Annotated[str | None, typer.Option(help="Quality judge model spec or alias.")] = None,
    judge_threshold: Annotated[
        float | None, typer.Option(help="Keep responses the judge scores at or above this.")
    ] = None,
    judge_unparseable: Annotated[
        str | None, typer.Option(help="keep or drop responses the judge never scored.")
    ] = None,
    expand_k: Annotated[int | None, typer.Option(help="expand: examples shown per new task.")] = None,
    expand_count: Annotated[int | None, typer.Option(help="expand: new tasks to accept.")] = None,
    novelty_threshold: Annotated[
        float | None, typer.Option(help="expand: shingle Jaccard that counts as a copy.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the planned calls and cost; call nothing.")] = False,
) -> None:
    """The teacher writes training data: answers (respond), checked reasoning (cot) or new tasks (expand)."""
    flags: dict[str, Any] = {
        "teacher": teacher,
        "output": output,
        "mode": mode,
        "models": models,
        "n": n,
        "system": system,
        "seed": seed,
        "source": _partial(PromptSource, path=source, sample=sample),
        "params": generate_config(temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=sampling_seed),
        "filters": _partial(
            FilterSettings,
            dedup=dedup,
            near_duplicate_threshold=near_duplicate_threshold,
            min_chars=min_chars,
            max_chars=max_chars,
            languages=language or None,
            category_cap=category_cap,
            verify_answers=verify,
        ),
        "judge": _partial(QualityJudgeConfig, model=judge, threshold=judge_threshold, on_unparseable=judge_unparseable),
        "expand": _partial(ExpandSettings, k=expand_k, count=expand_count, novelty_threshold=novelty_threshold),
    }
    job = load_job(config, GenerateJob, flags)
    with state(ctx).open_store() as store:
        if dry_run:
            with planning_only():  # a dry run needs no API key
                print_plan(plan_generate(job, store))
            return
        with StagedProgress() as progress:
            summary = asyncio.run(
                generate_data(
                    job, store, on_start=progress.on_start, on_result=progress.on_result, on_stage=progress.on_stage
                )
            )
        print_summary(summary)
        fail_on_failed_calls(store, summary.usage, [summary.run_id])
        judged = summary.judge or {}
        every = judged.get("judged") and judged.get("unparseable") == judged.get("judged")
        fail_on_unreadable_judges({judged["model"]: judged["unparseable"]} if every else {})


def print_plan(plan: GeneratePlan) -> None:
    console.print(plan_table(["model", "role"], [([p.model, p.role], p) for p in plan.plans]))
    console.print(plan_summary(plan.plans))
    console.print(f"prompts: {plan.prompts}; token counts are estimates")
    for note in plan.notes:
        console.print(f"[dim]{shown(note)}[/]")


def print_summary(summary: GenerateSummary) -> None:
    table = Table(title=f"generate · {summary.mode} · {shown(summary.teacher)}", title_justify="left")
    table.add_column("stage")
    table.add_column("records", justify="right")
    table.add_row("prompts", str(summary.prompts))
    table.add_row("teacher responses", f"{summary.answered}/{summary.requested}")
    for reason, count in summary.dropped.items():
        table.add_row(f"[dim]dropped:[/] {reason.replace('_', ' ')}", str(count))
    table.add_row("[bold]kept[/]", f"[bold]{summary.kept}[/]")
    console.print(table)
    if summary.expand is not None:
        e = summary.expand
        console.print(
            f"new tasks: {e['accepted']} accepted of {e['asked']} asked "
            f"({e['not_novel']} not novel, {e['unparseable']} unparseable, {e['failed']} failed)"
        )
    if summary.judge is not None:
        j = summary.judge
        mean = "n/a" if j["mean_score"] is None else f"{j['mean_score']:.2f}"
        console.print(
            f"judge {shown(j['model'])}: {j['judged']} judged, mean {mean}/{j['scale']}, threshold {j['threshold']}, "
            f"{j['unparseable']} unparseable ({j['unparseable_policy']})"
        )
    console.print(usage_table(summary.usage, title=f"Run {summary.run_id}"))
    console.print(f"{summary.kept} records → {shown(str(summary.output_path))}")
    console.print(
        f"[dim]dropped → {shown(str(summary.rejected_path))} · counts → {shown(str(summary.summary_path))}[/]"
    )


def _partial(kind: type[BaseModel], /, **given: Any) -> BaseModel | None:
    """Only the flags the user set, so `load_job` lays them over the YAML's section instead of replacing it."""
    values = {k: v for k, v in given.items() if v is not None}
    return kind.model_construct(**values) if values else None
