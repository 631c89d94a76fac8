"""What the CLI prints with: the consoles, the shared progress bar and the usage table."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from distillscope.fileio.outgoing import outgoing
from distillscope.models.plan import CallPlan, total_cost

if TYPE_CHECKING:  # the root's --help prints through here: it need not load the audit package for a type
    from distillscope.audit.tables import Table as PlainTable
    from distillscope.models.usage import ModelUsage

PIPED_WIDTH = 160


def console_width(stream: TextIO | None) -> int | None:
    """Rich's 80 columns for a pipe or a log file would wrap every wide table; COLUMNS still wins."""
    if os.environ.get("COLUMNS") or stream is None or stream.isatty():
        return None
    return PIPED_WIDTH


console = Console(highlight=False, soft_wrap=True, width=console_width(sys.stdout))
err_console = Console(stderr=True, highlight=False, soft_wrap=True, width=console_width(sys.stderr))


def terminal_safe(text: str) -> str:
    """Text from outside (a model's reply, an endpoint's error body) made inert for a terminal.

    Only what is shown is cleaned: stored replies keep the model's exact bytes."""
    return outgoing(text)


def shown(text: str) -> str:
    """Outside text for a rich console: control characters removed, markup escaped."""
    return escape(terminal_safe(text))


class ProgressBar:
    """A rich progress bar driven by a library's `on_start(total)` and `on_result(...)` callbacks."""

    def __init__(self, description: str, total: int | None = None) -> None:
        self.description = description
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=False,
        )
        self._task = None
        self._total = total
        self.cached = 0
        self.failed = 0

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        if self._total is not None:
            self.start(self._total)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

    def start(self, total: int | None) -> None:
        """Begin counting towards `total`; None when the total is unknown (a streamed corpus)."""
        self._task = self._progress.add_task(shown(self.description), total=total, note="")

    def advance(self, result: Any = None, steps: int = 1, note: str | None = None) -> None:
        """Count finished items; results with `.output.cached` or `.ok` are tallied in the note."""
        if self._task is None:
            self.start(None)  # counted before any total was given: unknown, never "60/0"
        output = getattr(result, "output", None)
        if output is not None and getattr(output, "cached", False):
            self.cached += 1
        if result is not None and getattr(result, "ok", True) is False:
            self.failed += 1
        if note is None:
            note = f"[dim]{self.cached} from store[/]" + (f" [red]{self.failed} failed[/]" if self.failed else "")
        self._progress.update(self._task, advance=steps, note=note)


class StagedProgress:
    """One progress bar per stage of a library job that reports `on_stage`, `on_start` and `on_result`.

    With `announce`, a stage is a printed line and the bar is opened by the stage's first
    `on_start`, for jobs whose stages (building, loading) mostly run without a count to show.
    """

    def __init__(self, prefix: str = "", announce: bool = False) -> None:
        self.prefix = prefix
        self.announce = announce
        self._bar: ProgressBar | None = None

    def __enter__(self) -> StagedProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._close()

    def on_stage(self, name: str) -> None:
        self._close()
        if self.announce:
            err_console.print(f"[bold cyan]›[/] {shown(name)}")
        else:
            self._bar = ProgressBar(f"{self.prefix}{name}").__enter__()

    def on_start(self, total: int) -> None:
        if self.announce or self._bar is None:
            self._close()
            self._bar = ProgressBar(f"{self.prefix}calls").__enter__()
        self._bar.start(total)

    def on_result(self, result: Any = None) -> None:
        if self._bar is not None:
            self._bar.advance(result)

    def on_count(self, steps: int) -> None:
        """Advance by several items at once (batches of a known size)."""
        if self._bar is not None:
            self._bar.advance(steps=steps, note="")

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def render_table(plain: PlainTable) -> Table:
    """A plain table (what a method describes once for the terminal and the report) as a rich table.

    Every string is escaped: a table may hold a model's own words, which must print as text.
    """
    table = Table(title=shown(plain.title), title_justify="left", caption_justify="left")
    if plain.caption:
        table.caption = shown(plain.caption)
    for index, column in enumerate(plain.columns):
        table.add_column(shown(column), justify="right" if index >= plain.numeric_from else "left")
    for index, row in enumerate(plain.rows):
        if index in plain.breaks:
            table.add_section()
        table.add_row(*(_cell_text(cell) for cell in row))
    return table


def _cell_text(cell: Any) -> str:
    text = shown(cell.text)
    if cell.sub:
        text += f"\n[dim]{shown(cell.sub)}[/]"
    if cell.note:
        text += f"\n[dim italic]{shown(cell.note)}[/]"
    return text


def usage_table(usages: Iterable[ModelUsage], title: str = "Usage") -> Table:
    table = Table(title=title, title_justify="left")
    for name, justify in [
        ("model", "left"),
        ("calls", "right"),
        ("from store", "right"),
        ("errors", "right"),
        ("retries", "right"),
        ("prompt tok", "right"),
        ("completion tok", "right"),
        ("cost", "right"),
    ]:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for u in usages:
        table.add_row(
            shown(u.model),
            str(u.calls),
            str(u.cached),
            str(u.errors),
            str(u.retries),
            f"{u.prompt_tokens:,}",
            f"{u.completion_tokens:,}",
            format_cost(u.cost_usd),
        )
    return table


def format_cost(value: float | None) -> str:
    if value is None:
        return "unknown"
    return f"${value:.4f}" if value >= 0.0001 or value == 0 else f"${value:.2e}"


PLAN_COLUMNS = ("calls", "in store", "new", "est. prompt tok", "max completion tok", "est. cost")


def plan_numbers(plan: CallPlan) -> list[str]:
    return [
        str(plan.calls),
        str(plan.cached),
        str(plan.new_calls),
        f"{plan.prompt_tokens:,}",
        f"{plan.completion_tokens:,}",
        format_cost(plan.cost_usd),
    ]


def plan_table(
    lead: Sequence[str],
    rows: Sequence[tuple[Sequence[str], CallPlan]],
    extra_sections: Sequence[Sequence[tuple[Sequence[str], CallPlan]]] = (),
) -> Table:
    """The dry-run table every command prints: one row per model and role, then a total of `rows`.

    `lead` names the describing columns (model, role, ...); `extra_sections` are other views of the
    same calls (per model, say), so they are shown but never added to the total.
    """
    table = Table(title="Planned calls (dry run: nothing is called)", title_justify="left")
    for name in lead:
        table.add_column(name)
    for name in PLAN_COLUMNS:
        table.add_column(name, justify="right")
    for section in (rows, *extra_sections):
        for cells, plan in section:
            table.add_row(*(shown(cell) for cell in cells), *plan_numbers(plan))
        table.add_section()
    plans = [plan for _, plan in rows]
    calls, cached = sum(p.calls for p in plans), sum(p.cached for p in plans)
    blanks = [""] * (len(lead) - 1)
    table.add_row(
        "total", *blanks, str(calls), str(cached), str(calls - cached), "", "", format_cost(total_cost(plans))
    )
    return table


def plan_summary(plans: Sequence[CallPlan]) -> str:
    calls, cached = sum(p.calls for p in plans), sum(p.cached for p in plans)
    return (
        f"planned: {calls} calls, {cached} in store, {calls - cached} new; est. cost {format_cost(total_cost(plans))}"
    )
