"""A bar counted before anyone told it a total (a stream, a stage that learns its size late) must show
an unknown total, never a count over zero such as "60/0"."""

from __future__ import annotations

from rich.progress import MofNCompleteColumn

from distillscope.cli.console import ProgressBar


def _count_shown(bar: ProgressBar) -> str:
    column = next(c for c in bar._progress.columns if isinstance(c, MofNCompleteColumn))
    return column.render(bar._progress.tasks[0]).plain


def test_a_bar_counted_before_its_total_shows_an_unknown_total():
    with ProgressBar("streamed") as bar:
        for _ in range(60):
            bar.advance()
        assert _count_shown(bar) == "60/?"


def test_a_bar_with_a_total_shows_it():
    with ProgressBar("known", total=80) as bar:
        for _ in range(60):
            bar.advance()
        assert _count_shown(bar) == "60/80"
