"""`distillscope demo`: run the demo job and show what it did."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from distillscope.cli.console import ProgressBar, console, err_console, usage_table
from distillscope.demo import run_demo


def demo(
    workdir: Annotated[Path, typer.Option(help="Where the model, store and outputs go.")] = Path(".distillscope/demo"),
    http: Annotated[bool, typer.Option(help="Also serve the model over HTTP with `transformers serve`.")] = True,
) -> None:
    """Train a tiny chat model, query it locally and over HTTP through the run store, rerun, export."""
    bars: list[ProgressBar] = []

    def close_bar() -> None:
        if bars:
            bars.pop().__exit__(None, None, None)

    def on_stage(text: str) -> None:
        close_bar()
        err_console.print(f"[bold cyan]›[/] {text}")

    def on_start(total: int) -> None:
        close_bar()
        bars.append(ProgressBar("chat").__enter__())
        bars[-1].start(total)

    try:
        result = asyncio.run(
            run_demo(
                workdir,
                serve_http=http,
                on_stage=on_stage,
                on_start=on_start,
                on_result=lambda r: bars[-1].advance(r),
            )
        )
    finally:
        close_bar()

    if result.built_in_s is not None:
        console.print(f"trained {result.model_dir} in {result.built_in_s:.1f} s")
    table = Table(title="Replies (greedy)", title_justify="left")
    table.add_column("prompt")
    table.add_column("local backend")
    if result.http is not None:
        table.add_column("HTTP (transformers serve)")
    for prompt, local, remote in result.replies:
        row = [escape(prompt), escape(local)] + ([escape(remote or "")] if result.http is not None else [])
        table.add_row(*row)
    console.print(table)
    usages = [result.local.usage] + ([result.http.usage] if result.http else [])
    console.print(usage_table(usages, title="First pass"))
    rerun = result.rerun.usage
    console.print(f"rerun: {rerun.calls} new calls, {rerun.cached} answered from the store ({result.store_path})")
    if result.http is not None:
        agree = sum(local == remote for _, local, remote in result.replies)
        console.print(f"local and HTTP replies agree on {agree}/{len(result.replies)} prompts")
    console.print(f"run {result.local.run_id} exported → {result.export_path}")
