"""`distillscope runs ...`: list the runs in the store and export one as JSONL."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from distillscope.cli.common import state
from distillscope.cli.console import console, shown
from distillscope.fileio.jsonl import write_jsonl, write_record
from distillscope.fileio.paths import check_output_file

runs_app = typer.Typer(help="Runs recorded in the store.", no_args_is_help=True)


@runs_app.command("list")
def runs_list(ctx: typer.Context, limit: Annotated[int, typer.Option(min=1, help="Most runs to show.")] = 20) -> None:
    """The newest runs: id, command, status, calls made and answered from the store."""
    with state(ctx).read_store() as store:
        runs = store.runs(limit=limit)
    table = Table(title=f"Runs in {state(ctx).store_path}", title_justify="left")
    for column in ("id", "command", "status", "started", "calls", "from store", "errors"):
        table.add_column(column)
    for run in runs:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started_at))
        table.add_row(
            run.id,
            shown(run.command),
            run.status,
            started,
            str(run.calls - run.cached),
            str(run.cached),
            str(run.errors),
        )
    console.print(table)


@runs_app.command("export")
def runs_export(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="Run id, or a unique suffix of it.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="JSONL file; stdout if omitted.")] = None,
) -> None:
    """Every call of a run, with request, response, usage and timing, as JSONL."""
    if output is not None:
        check_output_file(output, inputs=[state(ctx).store_path])
    with state(ctx).read_store() as store:
        records = list(store.export_run(run_id))
    if output is None:
        for record in records:
            write_record(sys.stdout, record)
        return
    count = write_jsonl(output, records)
    console.print(f"{count} records → {output}")
