"""`distillscope prune`: parse, call the Minitron pruning, print the sizes before and after."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from distillscope.cli.common import load_job
from distillscope.cli.console import ProgressBar, console, err_console

ConfigOption = Annotated[Path | None, typer.Option("--config", help="YAML with the same fields as the flags.")]


def prune_command(
    model: Annotated[str | None, typer.Option(help="The trained model to prune (hf:./dir).")] = None,
    calibration: Annotated[str | None, typer.Option(help="Calibration data (JSONL of text or messages).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Folder for the pruned model.")] = None,
    hidden_size: Annotated[int | None, typer.Option(help="Target hidden size.")] = None,
    intermediate_size: Annotated[int | None, typer.Option(help="Target MLP size.")] = None,
    num_heads: Annotated[int | None, typer.Option(help="Target attention heads per layer.")] = None,
    head_unit: Annotated[str | None, typer.Option(help="group (whole KV groups) or head.")] = None,
    num_layers: Annotated[int | None, typer.Option(help="Target layer count.")] = None,
    layer_metric: Annotated[str | None, typer.Option(help="loss or cosine, for layer importance.")] = None,
    samples: Annotated[int | None, typer.Option(help="Calibration examples.")] = None,
    max_length: Annotated[int | None, typer.Option(help="Tokens per calibration example.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Examples per forward pass.")] = None,
    config: ConfigOption = None,
) -> None:
    """Minitron pruning: rank heads, neurons, channels and layers on calibration data; keep the best."""
    from distillscope.distill.pruning import PruneJob, run_prune

    flags = {
        "model": model,
        "calibration": calibration,
        "output": output,
        "hidden_size": hidden_size,
        "intermediate_size": intermediate_size,
        "num_heads": num_heads,
        "head_unit": head_unit,
        "num_layers": num_layers,
        "importance": {"layer_metric": layer_metric},
        "samples": samples,
        "max_length": max_length,
        "batch_size": batch_size,
    }
    job = load_job(config, PruneJob, flags)
    with ProgressBar("calibration passes") as bar:
        summary = run_prune(
            job,
            on_stage=lambda name: err_console.print(f"[bold cyan]›[/] {escape(name)}"),
            on_start=bar.start,
            on_batch=lambda n: bar.advance(steps=n, note=""),
        )
    table = Table(title=f"Pruned {escape(job.model)}", title_justify="left")
    for column in ("", "layers", "hidden", "MLP", "heads / KV", "parameters"):
        table.add_column(column, justify="right")
    for label, shape, params in (
        ("before", summary.before, summary.parameters_before),
        ("after", summary.after, summary.parameters_after),
    ):
        table.add_row(
            label,
            str(shape.layers),
            str(shape.hidden),
            str(shape.intermediate),
            f"{shape.heads} / {shape.kv_heads}",
            f"{params:,}",
        )
    console.print(table)
    console.print(
        f"{summary.ratio:.1%} of the parameters kept; layers kept: {summary.kept_layers}; "
        f"calibration: {summary.calibration_samples} samples, {summary.calibration_tokens:,} tokens"
    )
    console.print(f"model and pruning.json → {summary.output}")
    console.print(
        f"[dim]recover it: distillscope train --mode kd --student hf:{escape(str(summary.output))} "
        f"--teacher {escape(job.model)} --data <training data>[/]"
    )
