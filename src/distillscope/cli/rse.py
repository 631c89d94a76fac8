"""`distillscope rse`: parse flags, run (or plan) RSE through the library, print Table-3-like tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from distillscope.audit.rse.job import RESPONSE_DEFAULTS, RSEJob
from distillscope.cli.common import (
    fail_on_failed_calls,
    fail_on_unreadable_judges,
    field_help,
    generate_config,
    load_job,
    state,
)
from distillscope.cli.console import StagedProgress, console, err_console, plan_table, render_table, shown, usage_table
from distillscope.fileio.lists import split_flags
from distillscope.models.planning import planning_only

if TYPE_CHECKING:
    from distillscope.audit.rse import RSEPlan, RSEResults

DEFAULT_OUTPUT = Path("rse-results")


def rse(
    ctx: typer.Context,
    reference: Annotated[str | None, typer.Option("--reference", help="Reference model (spec or alias).")] = None,
    targets: Annotated[
        list[str] | None, typer.Option("--targets", "--target", help="Target model(s); repeat or comma-separate.")
    ] = None,
    prompts: Annotated[list[str] | None, typer.Option("--prompts", help=field_help(RSEJob, "prompts"))] = None,
    sets: Annotated[str | None, typer.Option("--sets", help=field_help(RSEJob, "sets"))] = None,
    sample: Annotated[int | None, typer.Option("--sample", help=field_help(RSEJob, "sample"))] = None,
    seed: Annotated[int | None, typer.Option("--seed", help=field_help(RSEJob, "seed"))] = None,
    judge: Annotated[
        list[str] | None,
        typer.Option("--judge", help=field_help(RSEJob, "judges") + "; repeatable"),
    ] = None,
    floor: Annotated[str | None, typer.Option("--floor", help=field_help(RSEJob, "floor"))] = None,
    models: Annotated[Path | None, typer.Option("--models", help="YAML file of named models.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Results folder \\[default: rse-results].")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the planned calls and cost; call nothing.")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="YAML with the same fields as the flags.")] = None,
    temperature: Annotated[
        float | None, typer.Option(help=f"Response temperature \\[default: {RESPONSE_DEFAULTS.temperature:g}].")
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(help=f"Most tokens per response \\[default: {RESPONSE_DEFAULTS.max_tokens}].")
    ] = None,
    samples: Annotated[int | None, typer.Option("--samples", help=field_help(RSEJob, "samples"))] = None,
    ceiling: Annotated[bool | None, typer.Option("--ceiling/--no-ceiling", help=field_help(RSEJob, "ceiling"))] = None,
) -> None:
    """Response similarity evaluation: how closely each target's responses resemble the reference's."""
    flags: dict[str, Any] = {
        "reference": reference,
        "targets": split_flags(targets),
        "prompts": prompts,
        "sets": sets,
        "sample": sample,
        "seed": seed,
        "judges": split_flags(judge),
        "floor": floor,
        "models": models,
        "output": output,
        "params": generate_config(temperature=temperature, max_tokens=max_tokens),
        "samples": samples,
        "ceiling": ceiling,
    }
    job = load_job(config, RSEJob, flags)
    if job.output is None:
        job = job.model_copy(update={"output": DEFAULT_OUTPUT})
    with state(ctx).open_store() as store:
        if dry_run:
            from distillscope.audit.rse import plan_rse

            with planning_only():  # a dry run needs no API key
                print_plan(plan_rse(job, store))
            return
        results = _run_with_progress(job, store)
        print_results(results)
        console.print(f"results → {shown(str(job.output))}/ (rse.json, rse_scores.csv, rse_pairs.csv, responses.jsonl)")
        fail_on_failed_calls(store, results.usage, [results.run_id])
        fail_on_unreadable_judges(results.unreadable_judges())


def _run_with_progress(job: RSEJob, store: Any) -> RSEResults:
    import asyncio

    from distillscope.audit.rse import run_rse

    with StagedProgress(prefix="rse ") as progress:
        return asyncio.run(
            run_rse(job, store, on_start=progress.on_start, on_result=progress.on_result, on_stage=progress.on_stage)
        )


def print_results(results: RSEResults) -> None:
    from distillscope.audit.rse.tables import all_tables

    console.print(f"reference: [bold]{shown(results.reference)}[/] · run {results.run_id}")
    for table in all_tables(results, {}):
        console.print(render_table(table))
    for info in results.judges:
        if info.signature_words:
            console.print(f"[dim]style signature words: {shown(', '.join(info.signature_words))}[/]")
    if results.failed_responses:
        console.print(f"[yellow]{results.failed_responses} responses failed; their pairs are counted as missing[/]")
    for warning in results.warnings:
        err_console.print(f"[yellow]warning:[/] {shown(warning)}")
    console.print(usage_table(results.usage))


def print_plan(plan: RSEPlan) -> None:
    domains = ", ".join(f"{d} ({n})" for d, n in plan.domains.items())
    console.print(f"prompts: {domains} · pairs to judge: {plan.pairs} · judges: {shown(', '.join(plan.judges))}")
    console.print(plan_table(["model", "role"], [([p.model, p.role], p) for p in plan.plans]))
    console.print(
        "[dim]token counts are estimates (completions at their limit); retries of unreadable judge replies "
        "are not included[/]"
    )
    for warning in plan.warnings:
        err_console.print(f"[yellow]warning:[/] {shown(warning)}")
