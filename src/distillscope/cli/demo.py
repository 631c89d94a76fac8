"""`distillscope demo`: audit the ground-truth zoo and show what the scores recover."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from distillscope.cli.console import StagedProgress, console, render_table


def demo(
    workdir: Annotated[Path, typer.Option(help="Where the zoo, the store and the report go.")] = Path(
        ".distillscope/demo"
    ),
    size: Annotated[
        str, typer.Option(help="micro (the demo's zoo: 16 models in about 2.5 min) or small (larger, about 4 min).")
    ] = "micro",
) -> None:
    """Build (or reuse) the ground-truth zoo, audit its students against teacher A, write the report."""
    from distillscope.audit.overview import share_check_table, verdict_table
    from distillscope.zoo.demo import run_demo

    with StagedProgress(announce=True) as progress:
        result = run_demo(
            workdir, size=size, on_stage=progress.on_stage, on_start=progress.on_start, on_result=progress.on_result
        )

    zoo = result.zoo
    origin = "from the cache" if result.zoo_cached else f"built in {zoo.build_seconds:.0f} s"
    console.print(f"[bold]zoo[/] {zoo.size}: {len(zoo.models)} models, {origin} ({zoo.folder})")
    for lead in (verdict_table(result.audit), share_check_table(result.audit)):
        if lead is not None:
            console.print(render_table(lead))
    table = Table(title="Audit against teacher A: ground truth beside the measured scores", title_justify="left")
    for column in (
        "student",
        "truth: share of A's data",
        "method",
        "RSE lexical",
        "RSE embedding",
        "RSE style",
        "ICE loose",
        "ICE strict",
    ):
        table.add_column(column, justify="left" if column in ("student", "method") else "right")
    for summary in result.audit.summary:
        truth = summary.ground_truth or {}
        rse = {score.judge: score.average for score in summary.rse}
        ice = summary.ice
        share = "-" if truth.get("teacher") != zoo.teacher_a else f"{truth.get('fraction', 0):.2f}"
        table.add_row(
            escape(summary.label),
            share,
            str(truth.get("method", "")) + (", scrubbed" if truth.get("scrubbed") else ""),
            *(f"{rse[j]:.3f}" if rse.get(j) is not None else "n/a" for j in ("lexical", "embedding", "style")),
            *(f"{ice.rate(r).value:.3f}" if ice else "n/a" for r in ("loose", "strict")),
        )
    console.print(table)
    checks = Table(title="Does each score rank the graded series (A f=0 … f=1) as it was made?", title_justify="left")
    for column in ("score", "Spearman ρ", "adjacent levels in order", "ties", "reversed"):
        checks.add_column(column, justify="left" if column == "score" else "right")
    for check in result.checks:
        rho = "n/a" if check.spearman is None else f"{check.spearman:.2f}"
        checks.add_row(
            check.score if check.decides else f"{check.score} (not a verdict signal)",
            rho,
            f"{check.count('agrees')}/{len(check.pairs)}",
            str(check.count("tie")),
            str(check.count("contradicts")),
        )
    console.print(checks)
    verdict = (
        "[green]no score ranks the series against its ground truth[/] among those the verdict tests"
        if result.consistent
        else ("[red]a score the verdict tests ranks part of the series against its ground truth[/]")
    )
    console.print(f"{verdict} (ties: neighbouring levels indistinguishable at 95%)")
    made, cached = result.calls
    console.print(f"audit {result.audit_seconds:.0f} s: {made} model calls made, {cached} answered from the store")
    console.print(f"report → [bold]{result.report}[/]")
