"""`distillscope chat` and `distillscope models ...`: parse, call the library, print."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from distillscope.cli.common import fail_on_failed_calls, generate_config, load_job, state
from distillscope.cli.console import ProgressBar, console, format_cost, shown, usage_table
from distillscope.models.backends import BACKENDS
from distillscope.models.catalog import ModelCatalog
from distillscope.models.chat import ChatJob, chat_file, chat_once, check_model
from distillscope.models.providers import PROVIDERS

ModelsOption = Annotated[Path | None, typer.Option("--models", help="YAML file of named models.")]


def chat(
    ctx: typer.Context,
    spec: Annotated[str | None, typer.Argument(help="Model spec or alias, e.g. openai:gpt-4o-mini.")] = None,
    prompt: Annotated[str | None, typer.Argument(help="The prompt; or use --prompts FILE.")] = None,
    prompts: Annotated[Path | None, typer.Option("--prompts", help="JSONL file of prompts.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Replies JSONL for --prompts.")] = None,
    models: ModelsOption = None,
    config: Annotated[Path | None, typer.Option("--config", help="YAML with the same fields as the flags.")] = None,
    temperature: Annotated[float | None, typer.Option(help="Sampling temperature.")] = None,
    top_p: Annotated[float | None, typer.Option(help="Nucleus sampling mass.")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Most tokens per reply.")] = None,
    seed: Annotated[int | None, typer.Option(help="Sampling seed.")] = None,
    n: Annotated[int | None, typer.Option("-n", help="Replies per prompt.")] = None,
    stop: Annotated[list[str] | None, typer.Option(help="Stop string (repeatable).")] = None,
) -> None:
    """Chat with a model: one prompt, or a JSONL file of prompts. Every call goes through the run store."""
    params = generate_config(temperature=temperature, top_p=top_p, max_tokens=max_tokens, seed=seed, n=n, stop=stop)
    flags = {"model": spec, "prompt": prompt, "prompts": prompts, "output": output, "models": models, "params": params}
    job = load_job(config, ChatJob, flags)
    app = state(ctx)
    with app.open_store() as store:
        if job.prompt is not None:
            reply = asyncio.run(chat_once(job.model, job.prompt, store=store, config=job.params, catalog=job.models))
            for index, choice in enumerate(reply.output.choices):
                if len(reply.output.choices) > 1:
                    console.print(f"[bold]--- reply {index + 1}[/]")
                console.print(shown(choice.text), soft_wrap=True)
            out = reply.output
            origin = "from store" if out.cached else f"{out.latency_s:.2f} s"
            console.print(
                f"[dim]{shown(reply.usage.model)} · {origin} · {out.usage.prompt_tokens}+"
                f"{out.usage.completion_tokens} tokens · finish {out.finish_reason} · run {reply.run_id}[/]"
            )
            return
        assert job.prompts is not None
        target = job.output or job.prompts.with_suffix(".replies.jsonl")
        with ProgressBar(f"chat {job.model}") as bar:
            summary = asyncio.run(
                chat_file(
                    job.model,
                    job.prompts,
                    target,
                    store=store,
                    config=job.params,
                    catalog=job.models,
                    on_start=bar.start,
                    on_result=bar.advance,
                )
            )
        console.print(usage_table([summary.usage], title=f"Run {summary.run_id}"))
        console.print(
            f"{summary.answered}/{summary.total} answered, {summary.failed} failed → {shown(str(summary.output_path))}"
        )
        fail_on_failed_calls(store, [summary.usage], [summary.run_id])


models_app = typer.Typer(help="Check models and list the known providers.", no_args_is_help=True)


@models_app.command("check")
def models_check(
    ctx: typer.Context,
    spec: Annotated[str, typer.Argument(help="Model spec or alias.")],
    models: ModelsOption = None,
) -> None:
    """Make one real call and print its latency and usage."""
    with state(ctx).open_store() as store:
        catalog = ModelCatalog.from_file(models) if models is not None else None
        reply = asyncio.run(check_model(spec, store=store, catalog=catalog))
    out, usage = reply.output, reply.usage
    console.print(f"[green]ok[/] {shown(usage.model)} answered in {out.latency_s:.2f} s")
    console.print(
        f"usage: {out.usage.prompt_tokens} prompt + {out.usage.completion_tokens} completion tokens · "
        f"cost {format_cost(usage.cost_usd)} · attempts {out.attempts} · served as {shown(out.model or '?')}"
    )
    console.print(f"reply: {shown(out.text.strip()[:200])}", soft_wrap=True)


@models_app.command("providers")
def models_providers() -> None:
    """The known providers: spec prefix, default base URL and key variable."""
    table = Table(title="Providers (spec PROVIDER:MODEL)", title_justify="left")
    for column in ("prefix", "provider", "base URL", "key variable"):
        table.add_column(column)
    for provider in PROVIDERS.values():
        key = provider.key_env or "-"
        if provider.key_env and not provider.key_required:
            key += " (optional)"
        table.add_row(provider.name, provider.label, provider.base_url, key)
    for entry in BACKENDS.items():
        if entry.value.prefix:
            table.add_row(entry.name, entry.help, escape(entry.value.form), "-")
    table.add_row(
        "http(s)://", "any OpenAI-compatible URL", "http://HOST:PORT/v1#MODEL", "DISTILLSCOPE_API_KEY (optional)"
    )
    console.print(table)
