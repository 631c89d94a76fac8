"""`distillscope audit` and `distillscope report`: parse flags, run (or plan) the audit, print its summary.

distillscope audit --reference SPEC --targets SPEC,... [--config audit.yaml] [-o DIR] [--dry-run]
distillscope report --input DIR [--output report.html] [--screenshot report.png]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from distillscope.audit.ice.settings import TARGET_CONFIG, ICESettings
from distillscope.audit.method import METHODS
from distillscope.audit.rse.job import RESPONSE_DEFAULTS, RSESettings
from distillscope.audit.verdict.settings import VerdictSettings
from distillscope.cli.common import (
    SET_HELP,
    fail_on_failed_calls,
    fail_on_unreadable_judges,
    field_help,
    generate_config,
    load_job,
    state,
    with_settings,
)
from distillscope.cli.console import (
    StagedProgress,
    console,
    err_console,
    plan_summary,
    plan_table,
    render_table,
    shown,
    usage_table,
)
from distillscope.fileio.lists import split_flags
from distillscope.fileio.paths import check_output_file
from distillscope.models.planning import planning_only

if TYPE_CHECKING:
    from distillscope.audit.job import AuditJob
    from distillscope.audit.results import AuditResults
    from distillscope.audit.runner import AuditPlan
    from distillscope.models.types import GenerateConfig

DEFAULT_OUTPUT = Path("audit-report")
MIN_SCREEN, MAX_SCREEN = 320, 16384  # narrower pages are widened by the browser; taller ones are cut there


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
    methods: Annotated[
        str | None, typer.Option("--methods", help=f"Methods to run, comma-separated: {METHODS.describe()}.")
    ] = None,
    panel: Annotated[
        list[str] | None,
        typer.Option("--panel", help="The null panel: models known not to be distilled from the reference (2+)."),
    ] = None,
    candidates: Annotated[
        list[str] | None, typer.Option("--candidates", help="Other candidate teachers, for attribution.")
    ] = None,
    sequential: Annotated[
        bool | None,
        typer.Option("--sequential/--fixed", help=field_help(VerdictSettings, "sequential"), show_default=False),
    ] = None,
    calibration: Annotated[
        Path | None,
        typer.Option("--calibration", help="A learned share calibration (JSON, from `distillscope calibrate`)."),
    ] = None,
    alpha: Annotated[float | None, typer.Option("--alpha", help=field_help(VerdictSettings, "alpha"))] = None,
    vote: Annotated[
        str | None, typer.Option("--vote", help=field_help(VerdictSettings, "methods") + " Comma-separated.")
    ] = None,
    sources: Annotated[
        str | None, typer.Option("--sources", help="ICE source families \\[default: the reference's family].")
    ] = None,
    families: Annotated[
        list[Path] | None, typer.Option("--families", help="YAML of extra families, e.g. zoo personas (repeatable).")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title of the report.")] = None,
    settings: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP, show_default=False)] = None,
    judge: Annotated[
        list[str] | None,
        typer.Option("--judge", help=field_help(RSESettings, "judges", "RSE judges: ") + "; repeatable"),
    ] = None,
    prompts: Annotated[
        list[str] | None, typer.Option("--prompts", help=field_help(RSESettings, "prompts", "RSE: "))
    ] = None,
    sets: Annotated[str | None, typer.Option("--sets", help=field_help(RSESettings, "sets", "RSE: "))] = None,
    sample: Annotated[int | None, typer.Option("--sample", help=field_help(RSESettings, "sample", "RSE: "))] = None,
    budget: Annotated[int | None, typer.Option("--budget", help=field_help(ICESettings, "budget", "ICE: "))] = None,
    ice_judge: Annotated[
        str | None, typer.Option("--ice-judge", help=field_help(ICESettings, "judge", "ICE: "))
    ] = None,
    mutator: Annotated[str | None, typer.Option("--mutator", help=field_help(ICESettings, "mutator", "ICE: "))] = None,
    languages: Annotated[
        str | None, typer.Option("--languages", help=field_help(ICESettings, "languages", "ICE: "))
    ] = None,
    per_category: Annotated[
        int | None, typer.Option("--per-category", help=field_help(ICESettings, "per_category", "ICE: "))
    ] = None,
    temperature: Annotated[
        float | None,
        typer.Option(
            help=f"Temperature of RSE responses and ICE target replies \\[default: {RESPONSE_DEFAULTS.temperature:g}]."
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            help="Most tokens per RSE response and ICE target reply "
            f"\\[default: {RESPONSE_DEFAULTS.max_tokens} / {TARGET_CONFIG.max_tokens}]."
        ),
    ] = None,
) -> None:
    """Audit targets against a reference with RSE and ICE; write results, CSV tables and an HTML report."""
    if not reference and not targets and config is None:
        console.print(ctx.get_help())
        raise typer.Exit(0)
    from distillscope.audit.job import AuditJob
    from distillscope.audit.results import REPORT_FILE, RESULTS_FILE, SCORES_CSV, SUMMARY_CSV
    from distillscope.audit.runner import plan_audit

    flags: dict[str, Any] = {
        "reference": reference,
        "targets": split_flags(targets),
        "panel": split_flags(panel),
        "candidates": split_flags(candidates),
        "methods": methods,
        "verdict": _given(sequential=sequential, calibration=calibration, alpha=alpha, methods=vote),
        "output": output,
        "models": models,
        "sources": sources,
        "families": families,
        "title": title,
        "rse": _given(judges=split_flags(judge), prompts=prompts, sets=sets, sample=sample),
        "ice": _given(budget=budget, judge=ice_judge, mutator=mutator, languages=languages, per_category=per_category),
    }
    job = with_sampling(
        load_job(config, AuditJob, with_settings(flags, settings)),
        generate_config(temperature=temperature, max_tokens=max_tokens),
    )
    if job.output is None:
        job = job.model_copy(update={"output": DEFAULT_OUTPUT})
    with state(ctx).open_store() as store:
        if dry_run:
            with planning_only():  # a dry run needs no API key
                print_plan(plan_audit(job, store))
            return
        results = _run_with_progress(job, store)
        print_summary(results)
        folder = shown(str(job.output))
        folders = ", ".join(f"{name}/" for name in results.methods)
        console.print(
            f"report → [bold]{folder}/{REPORT_FILE}[/] · results: {RESULTS_FILE}, {SUMMARY_CSV}, {SCORES_CSV}, "
            f"{folders} · audit run {results.run_id}"
        )
        fail_on_failed_calls(store, results.usage(), [results.run_id, *(stage.run_id for stage in results.stages)])
        rse = results.raw.get("rse")
        fail_on_unreadable_judges(rse.unreadable_judges() if rse is not None else {})


def with_sampling(job: AuditJob, params: GenerateConfig | None) -> AuditJob:
    """The sampling flags over every method's own sampling (each keeps what the flags leave unset)."""
    if params is None:
        return job
    for entry in METHODS.items():
        field = entry.value.sampling_field
        if field is None:
            continue
        settings = job.section(entry.name)
        job = job.with_section(entry.name, settings.model_copy(update={field: getattr(settings, field).merge(params)}))
    return job


def _run_with_progress(job: AuditJob, store: Any) -> AuditResults:
    import asyncio

    from distillscope.audit.method import Hooks
    from distillscope.audit.runner import run_audit

    with StagedProgress() as progress:
        hooks = Hooks(progress.on_stage, progress.on_start, progress.on_result)
        return asyncio.run(run_audit(job, store, hooks))


def report(
    input_path: Annotated[Path, typer.Option("--input", "-i", help="Audit folder (or its results.json).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="HTML file \\[default: report.html in the audit folder].")
    ] = None,
    screenshot: Annotated[
        Path | None, typer.Option("--screenshot", help="Also save a PNG of the report (needs Chromium).")
    ] = None,
    width: Annotated[
        int, typer.Option("--width", min=MIN_SCREEN, max=MAX_SCREEN, help="Screenshot width in pixels.")
    ] = 1280,
    height: Annotated[
        int | None,
        typer.Option(
            "--height", min=MIN_SCREEN, max=MAX_SCREEN, help="Screenshot height in pixels \\[default: the whole page]."
        ),
    ] = None,
) -> None:
    """Rebuild an audit's HTML report from its result files alone."""
    from distillscope.audit.report import render_report
    from distillscope.audit.results import REPORT_FILE, result_files

    folder = input_path if input_path.is_dir() else input_path.parent
    target = output or folder / REPORT_FILE
    read = result_files(input_path)
    check_output_file(target, inputs=read)  # both outputs, before any work
    if screenshot is not None:
        check_output_file(screenshot, inputs=[*read, target])
    written = render_report(input_path, target)
    console.print(f"report → {shown(str(written))}")
    if screenshot is not None:
        from distillscope.audit.report.browser import screenshot as take_screenshot

        shot = take_screenshot(written, screenshot, width=width, height=height)
        console.print(f"screenshot → {shown(str(shot))}")


# ------------------------------------------------------------------------------------------ printing
def print_summary(results: AuditResults) -> None:
    from distillscope.audit.overview import labels_of, share_check_table, summary_table, verdict_table
    from distillscope.audit.present import presenter_of

    labels = labels_of(results)
    console.print(
        f"[bold]{shown(results.title)}[/] · reference [bold]{shown(results.reference.label)}[/] · "
        f"sources {shown(', '.join(results.source_names or results.sources))}"
    )
    for lead in (verdict_table(results), share_check_table(results)):
        if lead is not None:
            console.print(render_table(lead))
    for name in results.methods:
        if name in METHODS and name in results.raw:
            for table in presenter_of(name).cli_tables(results.raw[name], labels):
                console.print(render_table(table))
    overview = summary_table(results)
    overview.title = "Audit summary"
    console.print(render_table(overview))
    for warning in results.warnings:
        err_console.print(f"[yellow]warning:[/] {shown(warning)}")
    console.print(usage_table(results.usage()))
    seconds = ", ".join(f"{s.name} {s.seconds:.1f} s (run {s.run_id})" for s in results.stages)
    console.print(f"[dim]time: {results.seconds:.1f} s ({seconds})[/]")


def print_plan(plan: AuditPlan) -> None:
    for method in plan.methods.values():
        for line in method.lines:
            console.print(shown(line))
    rows = [([stage, p.model, p.role], p) for stage, p in plan.rows()]
    per_model = [(["all", p.model, "per model"], p) for p in plan.by_model()]
    console.print(plan_table(["stage", "model", "role"], rows, [per_model]))
    console.print(plan_summary([p for _, p in plan.rows()]))
    notes = [note for method in plan.methods.values() for note in method.notes]
    console.print(f"[dim]token counts are estimates; {shown('; '.join(notes))}[/]" if notes else "")
    for warning in plan.warnings:
        err_console.print(f"[yellow]warning:[/] {shown(warning)}")
