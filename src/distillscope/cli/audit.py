"""`distillscope audit` and `distillscope report`: parse flags, run (or plan) the audit, print its summary.

distillscope audit --reference SPEC --targets SPEC,... [--config audit.yaml] [-o DIR] [--dry-run]
distillscope report --input DIR [--output report.html] [--screenshot report.png]
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from distillscope.audit.job import AuditJob
from distillscope.audit.results import (
    ICE_FOLDER,
    ICE_RATES,
    REPORT_FILE,
    RESULTS_FILE,
    RSE_FOLDER,
    SCORES_CSV,
    SUMMARY_CSV,
    AuditResults,
    combined_usage,
)
from distillscope.audit.runner import AuditPlan, plan_audit, run_audit
from distillscope.cli.common import generate_config, load_job, state
from distillscope.cli.console import StagedProgress, console, err_console, plan_summary, plan_table
from distillscope.cli.ice import score_table
from distillscope.cli.rse import judge_table, usage_summary
from distillscope.models.types import GenerateConfig

DEFAULT_OUTPUT = Path("audit-report")


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _given(**flags: Any) -> dict[str, Any] | None:
    given = {k: v for k, v in flags.items() if v is not None}
    return given or None


def audit(
    ctx: typer.Context,
    reference: Annotated[str | None, typer.Option("--reference", help="The suspected teacher (spec or alias).")] = None,
    targets: Annotated[
        list[str] | None, typer.Option("--targets", "--target", help="Model(s) to audit; repeat or comma-separate.")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="YAML with the same fields as the flags.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=f"Report folder \\[default: {DEFAULT_OUTPUT}].")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the planned calls and cost; call nothing.")] = False,
    models: Annotated[Path | None, typer.Option("--models", help="YAML file of named models.")] = None,
    sources: Annotated[
        str | None, typer.Option("--sources", help="ICE source families \\[default: the reference's family].")
    ] = None,
    families: Annotated[
        list[Path] | None, typer.Option("--families", help="YAML of extra families, e.g. zoo personas (repeatable).")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title of the report.")] = None,
    judge: Annotated[
        list[str] | None,
        typer.Option("--judge", help="RSE judge: embedding[:MODEL], lexical, style or a model spec; repeatable."),
    ] = None,
    prompts: Annotated[
        list[str] | None, typer.Option("--prompts", help="RSE prompt file or hf:dataset, as PATH or DOMAIN=PATH.")
    ] = None,
    sets: Annotated[str | None, typer.Option("--sets", help="Built-in RSE sets: general,math,instructions.")] = None,
    sample: Annotated[int | None, typer.Option("--sample", help="RSE prompts drawn per set.")] = None,
    budget: Annotated[
        int | None, typer.Option("--budget", help="ICE target queries per target \\[default: 1000].")
    ] = None,
    ice_judge: Annotated[
        str | None, typer.Option("--ice-judge", help="ICE judge: 'rules' (offline) or a model spec.")
    ] = None,
    mutator: Annotated[
        str | None, typer.Option("--mutator", help="ICE mutator model \\[default: offline mutators].")
    ] = None,
    languages: Annotated[
        str | None, typer.Option("--languages", help="ICE question languages \\[default: en,zh].")
    ] = None,
    per_category: Annotated[
        int | None, typer.Option("--per-category", help="ICE questions per category and language \\[default: 5].")
    ] = None,
    temperature: Annotated[
        float | None, typer.Option(help="Temperature of RSE responses and ICE target replies \\[default: 0].")
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(help="Most tokens per RSE response and ICE target reply \\[default: 1024 / 256].")
    ] = None,
) -> None:
    """Audit targets against a reference with RSE and ICE; write results, CSV tables and an HTML report."""
    if not reference and not targets and config is None:
        console.print(ctx.get_help())
        raise typer.Exit(0)
    flags: dict[str, Any] = {
        "reference": reference,
        "targets": _split(targets),
        "output": output,
        "models": models,
        "sources": sources,
        "families": families,
        "title": title,
        "rse": _given(judges=_split(judge), prompts=prompts, sets=sets, sample=sample),
        "ice": _given(budget=budget, judge=ice_judge, mutator=mutator, languages=languages, per_category=per_category),
    }
    job = with_sampling(
        load_job(config, AuditJob, flags), generate_config(temperature=temperature, max_tokens=max_tokens)
    )
    if job.output is None:
        job = job.model_copy(update={"output": DEFAULT_OUTPUT})
    with state(ctx).open_store() as store:
        if dry_run:
            print_plan(plan_audit(job, store))
            return
        results = _run_with_progress(job, store)
    print_summary(results)
    folder = escape(str(job.output))
    console.print(
        f"report → [bold]{folder}/{REPORT_FILE}[/] · results: {RESULTS_FILE}, {SUMMARY_CSV}, {SCORES_CSV}, "
        f"{RSE_FOLDER}/, {ICE_FOLDER}/ · audit run {results.run_id}"
    )


def with_sampling(job: AuditJob, params: GenerateConfig | None) -> AuditJob:
    """The sampling flags over both methods' own settings (each keeps what the flags leave unset)."""
    if params is None:
        return job
    rse = job.rse.model_copy(update={"params": job.rse.params.merge(params)})
    ice = job.ice.model_copy(update={"target_params": job.ice.target_params.merge(params)})
    return job.model_copy(update={"rse": rse, "ice": ice})


def _run_with_progress(job: AuditJob, store: Any) -> AuditResults:
    with StagedProgress() as progress:
        return asyncio.run(
            run_audit(job, store, on_stage=progress.on_stage, on_start=progress.on_start, on_result=progress.on_result)
        )


def report(
    input_path: Annotated[Path, typer.Option("--input", "-i", help="Audit folder (or its results.json).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="HTML file \\[default: report.html in the audit folder].")
    ] = None,
    screenshot: Annotated[
        Path | None, typer.Option("--screenshot", help="Also save a PNG of the report (needs Chromium).")
    ] = None,
    width: Annotated[int, typer.Option("--width", help="Screenshot width in pixels.")] = 1280,
    height: Annotated[
        int | None, typer.Option("--height", help="Screenshot height in pixels \\[default: the whole page].")
    ] = None,
) -> None:
    """Rebuild an audit's HTML report from its result files alone."""
    from distillscope.audit.report import render_report

    folder = input_path if input_path.is_dir() else input_path.parent
    written = render_report(input_path, output or folder / REPORT_FILE)
    console.print(f"report → {escape(str(written))}")
    if screenshot is not None:
        from distillscope.audit.report.browser import screenshot as take_screenshot

        shot = take_screenshot(written, screenshot, width=width, height=height)
        console.print(f"screenshot → {escape(str(shot))}")


# ------------------------------------------------------------------------------------------ printing
def print_summary(results: AuditResults) -> None:
    assert results.rse is not None and results.ice is not None
    labels = {t.model: t.label for t in results.targets}
    console.print(
        f"[bold]{escape(results.title)}[/] · reference [bold]{escape(results.reference.label)}[/] · "
        f"sources {escape(', '.join(results.source_names or results.sources))}"
    )
    domains = {d.name: d.items for d in results.rse.domains}
    labels[results.reference.model] = results.reference.label
    for table in results.rse.tables:
        relabelled = [row.model_copy(update={"label": labels.get(row.label, row.label)}) for row in table.rows]
        console.print(judge_table(table.model_copy(update={"rows": relabelled}), domains))
    rows = [(escape(labels.get(t.target, t.target)), escape(t.facts), t.scores) for t in results.ice.targets]
    console.print(score_table(rows, title="ICE: identity claims under fuzzing"))
    console.print(summary_table(results))
    for warning in results.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}")
    console.print(usage_summary(combined_usage(results.stages)))
    seconds = ", ".join(f"{s.name} {s.seconds:.1f} s (run {s.run_id})" for s in results.stages)
    console.print(f"[dim]time: {results.seconds:.1f} s ({seconds})[/]")


def summary_table(results: AuditResults) -> Table:
    """One compact row per target: ground truth, each judge's RSE average, ICE loose / strict / hard."""
    judges = list(dict.fromkeys(score.judge for s in results.summary for score in s.rse))
    has_truth = any(s.ground_truth for s in results.summary)
    table = Table(title="Audit summary", title_justify="left")
    table.add_column("target")
    if has_truth:
        table.add_column("ground truth")
    for name in judges:
        table.add_column(f"RSE {escape(name)}", justify="right")
    table.add_column("ICE loose / strict / hard", justify="right")
    for summary in results.summary:
        averages = {score.judge: score.average for score in summary.rse}
        cells = [escape(summary.label)]
        if has_truth:
            cells.append(escape(", ".join(f"{k}={v}" for k, v in (summary.ground_truth or {}).items())))
        cells += ["n/a" if averages.get(j) is None else f"{averages[j]:.3f}" for j in judges]
        rates = [summary.ice.rate(r).value for r in ICE_RATES] if summary.ice else []
        cells.append(" / ".join("n/a" if v is None else f"{v:.3f}" for v in rates) or "n/a")
        table.add_row(*cells)
    table.caption = "RSE: unweighted mean over domains (CIs per domain above); ICE: rates over judged responses"
    return table


def print_plan(plan: AuditPlan) -> None:
    domains = ", ".join(f"{d} ({n})" for d, n in plan.rse.domains.items())
    judges = ", ".join(plan.rse.judges)
    console.print(f"RSE prompts: {escape(domains)} · pairs to judge: {plan.rse.pairs} · judges: {escape(judges)}")
    rows = [([stage, p.model, p.role], p) for stage, p in plan.rows()]
    per_model = [(["both", p.model, "per model"], p) for p in plan.by_model()]
    console.print(plan_table(["stage", "model", "role"], rows, [per_model]))
    console.print(plan_summary([p for _, p in plan.rows()]))
    console.print(
        "[dim]token counts are estimates (completions at their limit); ICE's prompts depend on the answers, so "
        "only finished iterations of a saved run count as in store[/]"
    )
    for warning in plan.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}")
