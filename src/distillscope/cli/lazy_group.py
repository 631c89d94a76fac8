"""The top-level command group, whose sub-commands are imported only when they are run.

Each command module imports what its work needs (transformers, the zoo, the audit's statistics), and
importing all of them costs seconds. The root `--help` needs only their names and one line each, so
the table below says where each command lives and what it does; a command's module is imported when
the command is invoked, or its own `--help` asked for. A test checks that each line here is the
first line of its command's own help, so the two cannot drift apart.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click
import typer
from typer.core import TyperGroup


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives ("package.module:attribute": a function, or a `typer.Typer` of sub-commands)."""

    target: str
    summary: str


def load_command(name: str, target: str) -> click.Command:
    """The click command (or group) that `target` names, under `name`."""
    module, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module), attribute)
    if isinstance(value, typer.Typer):
        command: click.Command = typer.main.get_group(value)
    else:
        single = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode="rich")
        single.command(name)(value)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """A group that lists its lazy commands from their summaries and imports one only to run it."""

    lazy: Mapping[str, LazyCommand] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *(name for name in super().list_commands(ctx) if name not in self.lazy)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy.get(cmd_name)
        if entry is None or cmd_name in self.commands:
            return super().get_command(ctx, cmd_name)
        if self._listing:  # the root's help: one line each, nothing imported
            return click.Command(cmd_name, help=entry.summary)
        self.add_command(load_command(cmd_name, entry.target), cmd_name)
        return self.commands[cmd_name]

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def lazy_group(commands: Mapping[str, LazyCommand]) -> type[LazyGroup]:
    """A `LazyGroup` class over `commands`, for `typer.Typer(cls=...)`."""
    return type("DistillscopeCommands", (LazyGroup,), {"lazy": dict(commands)})
