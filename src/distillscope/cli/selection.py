"""`distillscope select`: parse, call the MiniPLM selection, print what was kept."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from distillscope.cli.common import load_job, state
from distillscope.cli.console import ProgressBar, console, usage_table

ConfigOption = Annotated[Path | None, typer.Option("--config", help="YAML with the same fields as the flags.")]


def select_command(
    ctx: typer.Context,
    teacher: Annotated[str | None, typer.Option(help="The large model (hf:./dir).")] = None,
    reference: Annotated[str | None, typer.Option(help="The small reference model, same tokenizer.")] = None,
    corpus: Annotated[str | None, typer.Option(help="Documents: .jsonl, .txt, a folder of .txt, or hf:NAME.")] = None,
    text_field: Annotated[str | None, typer.Option(help="Record field holding the text.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output folder.")] = None,
    share: Annotated[float | None, typer.Option(help="Share of documents to keep (default 0.5).")] = None,
    token_budget: Annotated[int | None, typer.Option(help="Keep top documents up to this many tokens.")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Tokens of each document that are scored.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Documents per forward pass.")] = None,
    config: ConfigOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count documents and tokens; load no model.")] = False,
) -> None:
    """MiniPLM difference sampling: keep the documents the teacher predicts much better than a small reference."""
    from distillscope.distill.selection import SelectJob, plan_select, select_corpus, shared_tokenizer

    flags = {
        "teacher": teacher,
        "reference": reference,
        "corpus": {"path": corpus, "text_field": text_field},
        "output": output,
        "share": share,
        "token_budget": token_budget,
        "max_tokens": max_tokens,
        "batch_size": batch_size,
    }
    job = load_job(config, SelectJob, flags)
    shared_tokenizer(job)  # a mismatch is one line, before any progress bar is drawn
    if dry_run:
        with ProgressBar("counting documents") as bar:
            bar.start(None)
            plan = plan_select(job, on_batch=lambda n: bar.advance(steps=n, note=""))
        console.print(
            f"dry run: {plan.documents:,} documents, {plan.tokens:,} tokens; "
            f"{plan.scored_tokens:,} tokens scored (at most {plan.max_tokens:,} per document), "
            f"{plan.forward_passes:,} forward passes per model; nothing was loaded or scored"
        )
        return
    with state(ctx).open_store() as store, ProgressBar("scoring documents") as bar:
        bar.start(None)
        summary = asyncio.run(select_corpus(job, store, on_batch=lambda n: bar.advance(steps=n, note="")))
    table = Table(title=f"MiniPLM selection · {escape(summary.rule)}", title_justify="left")
    for column in ("documents", "tokens", "kept documents", "kept tokens", "cut (score ≥)", "unscorable"):
        table.add_column(column, justify="right")
    cut = "-" if summary.threshold is None else f"{summary.threshold:.4f}"
    table.add_row(
        f"{summary.documents:,}",
        f"{summary.tokens:,}",
        f"{summary.selected_documents:,}",
        f"{summary.selected_tokens:,}",
        cut,
        str(summary.unscorable),
    )
    console.print(table)
    console.print(usage_table(summary.usage, title=f"Run {summary.run_id}"))
    console.print(f"selected corpus, scores, histogram → {summary.output}")
