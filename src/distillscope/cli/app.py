"""The `distillscope` command: global options, sub-commands, and the one place where a command ends.

`run_command` maps every way a command can end onto the exit-code policy of `errors.py`: a
`DistillscopeError` is printed as one line (what is wrong, what was expected) with its code; a
usage error (an unknown flag, a value out of range) is one line and code 2; Ctrl-C is code 130 with
the line that says a rerun resumes; any other exception is a bug, reported in one line (code 1)
unless `--debug` asks for the traceback (redacted too). Every line printed here is redacted and stripped of
terminal escapes, since an error may quote an endpoint's body.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.logging import RichHandler

from distillscope import __version__
from distillscope.cli.common import AppState
from distillscope.cli.console import err_console, shown, terminal_safe
from distillscope.cli.lazy_group import LazyCommand, lazy_group
from distillscope.errors import INTERRUPTED_MESSAGE, DistillscopeError, ExitCode, InputError
from distillscope.redaction import redact, redacted_traceback
from distillscope.store import STORE_ENV, default_store_path

# typer re-exports click's exceptions, from click itself or from its own copy of click (newer typer):
# whichever it uses is the one its commands raise.
click_errors = importlib.import_module(typer.BadParameter.__module__)
_NoArgsIsHelp = getattr(click_errors, "NoArgsIsHelpError", ())

_CLI = "distillscope.cli"
COMMANDS = {  # name: where it lives, and the first line of its help (checked by tests/cli/test_startup.py)
    "chat": LazyCommand(
        f"{_CLI}.chat:chat",
        "Chat with a model: one prompt, or a JSONL file of prompts. Every call goes through the run store.",
    ),
    "demo": LazyCommand(
        f"{_CLI}.demo:demo",
        "Build (or reuse) the ground-truth zoo, audit its students against teacher A, write the report.",
    ),
    "generate": LazyCommand(
        f"{_CLI}.generate:generate",
        "The teacher writes training data: answers (respond), checked reasoning (cot) or new tasks (expand).",
    ),
    "train": LazyCommand(
        f"{_CLI}.distill:train_command",
        "Train a student: SFT on teacher-written data, or KD from a teacher's logits (live or cached).",
    ),
    "teacher-cache": LazyCommand(
        f"{_CLI}.distill:teacher_cache_command",
        "Store the teacher's top-k log-probs per trained token, so KD can run without the teacher.",
    ),
    "eval": LazyCommand(
        f"{_CLI}.distill:eval_command",
        "Perplexity on held-out data; with a teacher, top-1 agreement and mean KL(teacher || student).",
    ),
    "select": LazyCommand(
        f"{_CLI}.selection:select_command",
        "MiniPLM difference sampling: keep the documents the teacher predicts much better than a small reference.",
    ),
    "prune": LazyCommand(
        f"{_CLI}.prune:prune_command",
        "Minitron pruning: rank heads, neurons, channels and layers on calibration data; keep the best.",
    ),
    "recipe": LazyCommand(
        f"{_CLI}.recipe:recipe_command",
        "DistilQwen2.5's pipeline: expand, answer with checked chains of thought, filter, KD from cached top-k, eval.",
    ),
    "rse": LazyCommand(
        f"{_CLI}.rse:rse",
        "Response similarity evaluation: how closely each target's responses resemble the reference's.",
    ),
    "audit": LazyCommand(
        f"{_CLI}.audit:audit",
        "Audit targets against a reference with RSE and ICE; write results, CSV tables and an HTML report.",
    ),
    "report": LazyCommand(f"{_CLI}.audit:report", "Rebuild an audit's HTML report from its result files alone."),
    "calibrate": LazyCommand(
        f"{_CLI}.calibrate:calibrate_command",
        "Learn how the normalised score z maps to a share of the reference's text, from models of known share.",
    ),
    "models": LazyCommand(f"{_CLI}.chat:models_app", "Check models and list the known providers."),
    "runs": LazyCommand(f"{_CLI}.runs:runs_app", "Runs recorded in the store."),
    "zoo": LazyCommand(
        f"{_CLI}.zoo:zoo_app", "The ground-truth zoo: tiny teachers and students distilled by known amounts."
    ),
    "ice": LazyCommand(
        f"{_CLI}.ice:ice_app",
        "Identity consistency evaluation (ICE): does a target, under jailbreak templates, claim another identity?",
    ),
}

app = typer.Typer(
    name="distillscope",
    cls=lazy_group(COMMANDS),
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


class _SafeLogText(logging.Filter):
    """Log lines go to the same terminal as errors, under the same rules: no secrets, no escapes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = terminal_safe(redact(record.getMessage()))
        record.args = None
        return True


def _configure_logging(verbose: bool) -> None:
    level = logging.INFO if verbose else logging.WARNING
    handler = RichHandler(console=err_console, show_path=False)
    handler.addFilter(_SafeLogText())
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler], force=True)
    if not verbose:
        for noisy in ("httpx", "openai", "transformers", "datasets", "accelerate", "huggingface_hub"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
        quiet_transformers()


def quiet_transformers() -> None:
    """transformers' warnings and bars off: through its own switches once it is loaded, else through
    the environment it reads when it is (importing it here would cost every command a second)."""
    if "transformers" not in sys.modules:
        os.environ["TRANSFORMERS_VERBOSITY"] = "error"
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
        return
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def main(argv: list[str] | None = None) -> None:
    """Run one command and exit with the code of the one exit-code policy (see `errors.py`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    code = run_command(args, debug="--debug" in args)
    if code:
        sys.exit(code)


def run_command(args: list[str], debug: bool = False) -> int:
    """The command's exit code; every way a command can end is mapped to it here, and only here."""
    try:
        check_arguments(args)
        command = typer.main.get_command(app)
        returned = command.main(args=args, prog_name="distillscope", standalone_mode=False)
    except (typer.Abort, KeyboardInterrupt):
        return interrupted()
    except _NoArgsIsHelp as exc:
        exc.show()
        return exc.exit_code
    except click_errors.UsageError as exc:
        where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        print_error(f"{exc.format_message()}{where}")
        return ExitCode.INPUT
    except click_errors.ClickException as exc:
        print_error(exc.format_message())
        return exc.exit_code
    except DistillscopeError as exc:
        if debug:
            print_traceback(exc)
        print_error(str(exc))
        return exc.exit_code
    except Exception as exc:
        if debug:
            print_traceback(exc)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print_error(f"unexpected {type(exc).__name__}: {message} (run with --debug for the traceback)")
        return ExitCode.CALLS_FAILED
    # Without standalone mode, click hands back the code of a `typer.Exit` (and typer turns Ctrl-C
    # into Exit(130)) instead of exiting: it must not be dropped.
    code = returned if isinstance(returned, int) else ExitCode.OK
    if code == ExitCode.INTERRUPTED:
        return interrupted()
    return code


def check_arguments(args: list[str]) -> None:
    """Arguments that are not UTF-8 text would fail later, somewhere deep, as an encoding error."""
    for index, arg in enumerate(args, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown_arg = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise InputError(
                f"argument {index} ({shown_arg}) is not valid UTF-8 text",
                hint="expected UTF-8 arguments; rename the file or pass its path in UTF-8",
            ) from None


def interrupted() -> int:
    err_console.print(INTERRUPTED_MESSAGE, soft_wrap=True)
    return ExitCode.INTERRUPTED


def print_traceback(exc: BaseException) -> None:
    """What `--debug` shows: the whole chain, under the same rules as every other line (an exception
    chain may quote an endpoint's body, and with it an echoed key)."""
    sys.stderr.write(terminal_safe(redacted_traceback(exc)))
    sys.stderr.flush()


def print_error(text: str) -> None:
    """One line on stderr: redacted (no secret leaves in an error) and inert (no terminal escapes)."""
    line = " ".join(redact(text).split())
    err_console.print(f"[red]error:[/] {shown(line)}", soft_wrap=True)


if __name__ == "__main__":
    main()
