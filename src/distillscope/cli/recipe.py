"""`distillscope recipe`: parse the pipeline config, run every stage, print what each produced."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from distillscope.cli.common import load_job, state
from distillscope.cli.console import StagedProgress, console


def recipe_command(
    ctx: typer.Context,
    config: Annotated[Path | None, typer.Option("--config", help="The recipe YAML (see the README).")] = None,
    teacher: Annotated[str | None, typer.Option(help="White-box teacher (hf:./dir).")] = None,
    student: Annotated[str | None, typer.Option(help="Student to distil into.")] = None,
    writer: Annotated[str | None, typer.Option(help="Model that writes the data, if not the teacher.")] = None,
    source: Annotated[str | None, typer.Option(help="Seed prompts (.jsonl/.json/.csv/.parquet or hf:NAME).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output folder.")] = None,
    models: Annotated[Path | None, typer.Option("--models", help="YAML file of named models.")] = None,
) -> None:
    """DistilQwen2.5's pipeline: expand, answer with checked chains of thought, filter, KD from cached top-k, eval."""
    from distillscope.distill.recipe import RecipeJob, run_recipe

    flags = {
        "teacher": teacher,
        "student": student,
        "writer": writer,
        "source": {"path": source} if source else None,
        "output": output,
        "models": models,
    }
    job = load_job(config, RecipeJob, flags)
    with state(ctx).open_store() as store, StagedProgress(announce=True) as progress:
        summary = run_recipe(
            job, store, on_stage=progress.on_stage, on_start=progress.on_start, on_count=progress.on_count
        )
    table = Table(title=f"Recipe → {escape(str(summary.output))}", title_justify="left")
    table.add_column("stage")
    table.add_column("result")
    expanded = summary.expand
    if expanded is not None:
        table.add_row("expand", f"{expanded['accepted']} new instructions of {expanded['asked']} asked")
    generated = summary.generate
    dropped = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in generated["dropped"].items() if v) or "none"
    table.add_row("generate", f"{generated['kept']} of {generated['requested']} kept (dropped: {dropped})")
    held = "" if summary.heldout_records is None else f", {summary.heldout_records} held out"
    table.add_row("split", f"{summary.train_records} to train{held}")
    table.add_row("teacher-cache", f"{summary.cache['tokens']:,} tokens at k={summary.cache['k']}")
    trained = summary.train
    table.add_row("train (kd-offline)", f"{trained['steps']} steps, {trained['trained_tokens']:,} tokens")
    for label, report in (("eval before", summary.eval_before), ("eval after", summary.eval_after)):
        if report is not None:
            table.add_row(
                label,
                f"perplexity {report.perplexity:.3f}, top-1 agreement {report.top1_agreement:.3f}, "
                f"KL {report.mean_kl:.4f} over {report.tokens:,} tokens",
            )
    console.print(table)
    console.print(f"[dim]every stage's output and counts → {summary.output / 'recipe.json'}[/]")
