"""What the CLI prints with: the consoles, the shared progress bar and the usage table."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from distillscope.models.recorded import ModelUsage

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


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

    def start(self, total: int) -> None:
        self._task = self._progress.add_task(self.description, total=total, note="")

    def advance(self, result: Any = None, steps: int = 1, note: str | None = None) -> None:
        """Count finished items; results with `.output.cached` or `.ok` are tallied in the note."""
        if self._task is None:
            self.start(0)
        output = getattr(result, "output", None)
        if output is not None and getattr(output, "cached", False):
            self.cached += 1
        if result is not None and getattr(result, "ok", True) is False:
            self.failed += 1
        if note is None:
            note = f"[dim]{self.cached} from store[/]" + (f" [red]{self.failed} failed[/]" if self.failed else "")
        self._progress.update(self._task, advance=steps, note=note)


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
            u.model,
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
