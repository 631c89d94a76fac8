"""`distillscope rse`: parse flags, run (or plan) RSE through the library, print Table-3-like tables."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from distillscope.audit.rse import RSEJob, RSEPlan, RSEResults, plan_rse, run_rse
from distillscope.audit.rse.results import JudgeTable, ScoreCell
from distillscope.cli.common import generate_config, load_job, state
from distillscope.cli.console import StagedProgress, console, err_console, format_cost, plan_table
from distillscope.data.rse_sets import PAPER_COUNTERPARTS

DEFAULT_OUTPUT = Path("rse-results")
ROLE_NOTES = {"ceiling": "ceiling: a 2nd reference sample", "floor": "floor"}


def _split(values: list[str] | None) -> list[str] | None:
    """Repeated flags and comma-separated lists alike."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def rse(
    ctx: typer.Context,
    reference: Annotated[str | None, typer.Option("--reference", help="Reference model (spec or alias).")] = None,
    targets: Annotated[
        list[str] | None, typer.Option("--targets", "--target", help="Target model(s); repeat or comma-separate.")
    ] = None,
    prompts: Annotated[
        list[str] | None, typer.Option("--prompts", help="Prompt file or hf:dataset, as PATH or DOMAIN=PATH.")
    ] = None,
    sets: Annotated[str | None, typer.Option("--sets", help="Built-in sets: general,math,instructions.")] = None,
    sample: Annotated[int | None, typer.Option("--sample", help="Prompts drawn per set.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for --sample.")] = None,
    judge: Annotated[
        list[str] | None,
        typer.Option("--judge", help="embedding[:MODEL], lexical, style, or a model spec (LLM judge); repeatable."),
    ] = None,
    floor: Annotated[str | None, typer.Option("--floor", help="An unrelated model, scored as a floor.")] = None,
    models: Annotated[Path | None, typer.Option("--models", help="YAML file of named models.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Results folder \\[default: rse-results].")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the planned calls and cost; call nothing.")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="YAML with the same fields as the flags.")] = None,
    temperature: Annotated[float | None, typer.Option(help="Response temperature \\[default: 0].")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Most tokens per response \\[default: 1024].")] = None,
    samples: Annotated[int | None, typer.Option("--samples", help="Responses per prompt per target.")] = None,
    ceiling: Annotated[bool | None, typer.Option("--ceiling/--no-ceiling", help="Score a ceiling row.")] = None,
) -> None:
    """Response similarity evaluation: how closely each target's responses resemble the reference's."""
    flags: dict[str, Any] = {
        "reference": reference,
        "targets": _split(targets),
        "prompts": prompts,
        "sets": sets,
        "sample": sample,
        "seed": seed,
        "judges": _split(judge),
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
            print_plan(plan_rse(job, store))
            return
        results = _run_with_progress(job, store)
    print_results(results)
    console.print(f"results → {escape(str(job.output))}/ (rse.json, rse_scores.csv, rse_pairs.csv, responses.jsonl)")


def _run_with_progress(job: RSEJob, store: Any) -> RSEResults:
    with StagedProgress(prefix="rse ") as progress:
        return asyncio.run(
            run_rse(job, store, on_start=progress.on_start, on_result=progress.on_result, on_stage=progress.on_stage)
        )


def _domain_header(name: str, items: int) -> str:
    counterpart = PAPER_COUNTERPARTS.get(name)
    return f"{name} (n={items})" + (f"\n[dim]like {counterpart}[/]" if counterpart else "")


def _cell(cell: ScoreCell | None) -> str:
    if cell is None or cell.value is None:
        return "n/a"
    text = f"{cell.value:.3f}"
    if cell.low is not None and cell.high is not None:
        text += "\n[dim]" + escape(f"[{cell.low:.3f}, {cell.high:.3f}]") + "[/]"
    dropped = [f"{k} {v}" for k, v in (("unparseable", cell.unparseable), ("missing", cell.missing)) if v]
    if dropped:
        text += f"\n[yellow]{', '.join(dropped)}[/]"
    return text


def judge_table(table: JudgeTable, domains: dict[str, int]) -> Table:
    out = Table(
        title=f"RSE · judge {escape(table.judge)} · {escape(table.scale.describe())} (higher = more similar)",
        title_justify="left",
        caption="mean over prompts \\[bootstrap 95% CI]; average = unweighted mean of the domain means",
        caption_justify="left",
    )
    out.add_column("model")
    for name, items in domains.items():
        out.add_column(_domain_header(name, items), justify="right")
    out.add_column("average", justify="right")
    previous_role = "target"
    for row in table.rows:
        if row.role != previous_role:
            out.add_section()
            previous_role = row.role
        name = escape(row.label)
        if row.role in ROLE_NOTES:
            name += f"\n[italic dim]({ROLE_NOTES[row.role]})[/]"
        average = "n/a" if row.average is None else f"[bold]{row.average:.3f}[/]"
        out.add_row(name, *(_cell(row.cells.get(d)) for d in domains), average)
    return out


def print_results(results: RSEResults) -> None:
    domains = {d.name: d.items for d in results.domains}
    console.print(f"reference: [bold]{escape(results.reference)}[/] · run {results.run_id}")
    for table in results.tables:
        console.print(judge_table(table, domains))
    for info in results.judges:
        if info.signature_words:
            console.print(f"[dim]style signature words: {escape(', '.join(info.signature_words))}[/]")
    if results.agreement:
        agreement = Table(title="Judge agreement (rank correlation over pairs)", title_justify="left")
        for column in ("judge A", "judge B", "pairs", "Spearman", "Kendall"):
            agreement.add_column(column)
        for a in results.agreement:
            agreement.add_row(escape(a.judge_a), escape(a.judge_b), str(a.n), _num(a.spearman), _num(a.kendall))
        console.print(agreement)
    if results.order_consistency:
        orders = Table(title="LLM judge order consistency (reference shown first vs second)", title_justify="left")
        for column in ("judge", "pairs", "same rating", "mean |diff|", "position bias", "Spearman"):
            orders.add_column(column)
        for o in results.order_consistency:
            orders.add_row(
                escape(o.judge),
                str(o.n),
                f"{o.exact_agreement:.0%}",
                f"{o.mean_abs_diff:.2f}",
                f"{o.position_bias:+.2f}",
                _num(o.spearman),
            )
        console.print(orders)
    if results.failed_responses:
        console.print(f"[yellow]{results.failed_responses} responses failed; their pairs are counted as missing[/]")
    for warning in results.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}")
    console.print(usage_summary(results.usage))


def usage_summary(usage: list[dict[str, Any]]) -> Table:
    """The run's usage as recorded in the results (the live `ModelUsage` objects are gone by now)."""
    table = Table(title="Usage", title_justify="left")
    for column in ("model", "calls", "from store", "errors", "prompt tok", "completion tok", "cost"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for u in usage:
        table.add_row(
            escape(u["model"]),
            str(u["calls"]),
            str(u["cached"]),
            str(u["errors"]),
            f"{u['prompt_tokens']:,}",
            f"{u['completion_tokens']:,}",
            format_cost(u.get("cost_usd")),
        )
    return table


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def print_plan(plan: RSEPlan) -> None:
    domains = ", ".join(f"{d} ({n})" for d, n in plan.domains.items())
    console.print(f"prompts: {domains} · pairs to judge: {plan.pairs} · judges: {escape(', '.join(plan.judges))}")
    console.print(plan_table(["model", "role"], [([p.model, p.role], p) for p in plan.plans]))
    console.print(
        "[dim]token counts are estimates (completions at their limit); retries of unreadable judge replies "
        "are not included[/]"
    )
    for warning in plan.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}")
