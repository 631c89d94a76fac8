"""The `distillscope` command: global options, sub-commands, and one place where errors are shown.

A `DistillscopeError` is printed as one line (what is wrong, what was expected) and sets the exit
code; any other exception is a bug, reported in one line unless `--debug` asks for the traceback.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.logging import RichHandler
from rich.markup import escape

from distillscope import __version__
from distillscope.cli.audit import audit, report
from distillscope.cli.chat import chat, models_app
from distillscope.cli.common import AppState
from distillscope.cli.console import err_console
from distillscope.cli.demo import demo
from distillscope.cli.distill import eval_command, teacher_cache_command, train_command
from distillscope.cli.generate import generate
from distillscope.cli.ice import ice_app
from distillscope.cli.prune import prune_command
from distillscope.cli.recipe import recipe_command
from distillscope.cli.rse import rse
from distillscope.cli.runs import runs_app
from distillscope.cli.selection import select_command
from distillscope.cli.zoo import zoo_app
from distillscope.errors import DistillscopeError
from distillscope.models.run import STORE_ENV, default_store_path

app = typer.Typer(
    name="distillscope",
    help="Distil small language models from large ones, and measure how much a model was distilled.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"distillscope {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    store: Annotated[
        Path | None, typer.Option("--store", envvar=STORE_ENV, help="Run store (SQLite).", show_default=False)
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    ctx.obj = AppState(store_path=store or default_store_path(), debug=debug)
    _configure_logging(verbose)


def _configure_logging(verbose: bool) -> None:
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(
        level=level, format="%(message)s", handlers=[RichHandler(console=err_console, show_path=False)], force=True
    )
    if not verbose:
        for noisy in ("httpx", "openai", "transformers", "datasets", "accelerate"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.set_verbosity_error()
            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover - transformers is a dependency
            pass


app.command("chat")(chat)
app.command("demo")(demo)
app.command("generate")(generate)
app.command("train")(train_command)
app.command("teacher-cache")(teacher_cache_command)
app.command("eval")(eval_command)
app.command("select")(select_command)
app.command("prune")(prune_command)
app.command("recipe")(recipe_command)
app.command("rse")(rse)
app.command("audit")(audit)
app.command("report")(report)
app.add_typer(models_app, name="models")
app.add_typer(runs_app, name="runs")
app.add_typer(zoo_app, name="zoo")
app.add_typer(ice_app, name="ice")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    command = typer.main.get_command(app)
    try:
        command.main(args=args, prog_name="distillscope", standalone_mode=False)
    except click.exceptions.Exit as exc:
        if exc.exit_code:
            sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        err_console.print("interrupted: finished calls are in the run store; rerun to resume")
        sys.exit(130)
    except DistillscopeError as exc:
        if debug:
            raise
        err_console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if debug:
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        err_console.print(
            f"[red]error:[/] unexpected {type(exc).__name__}: {escape(message)} (run with --debug for the traceback)",
            soft_wrap=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
