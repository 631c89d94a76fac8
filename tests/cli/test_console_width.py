"""Tables printed into a pipe or a log keep their rows on one line; a terminal and COLUMNS decide for themselves."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from distillscope.cli.console import PIPED_WIDTH, console_width


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pipe_gets_a_wide_console_unless_columns_is_set(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert console_width(io.StringIO()) == PIPED_WIDTH
    assert console_width(Terminal()) is None and console_width(None) is None
    monkeypatch.setenv("COLUMNS", "100")
    assert console_width(io.StringIO()) is None


def test_a_piped_providers_table_is_not_wrapped():
    environment = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    listed = subprocess.run(
        [sys.executable, "-m", "distillscope", "models", "providers"],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    row = next(line for line in listed.stdout.splitlines() if "openrouter" in line)
    assert "https://openrouter.ai/api/v1" in row and "OPENROUTER_API_KEY" in row
    assert max(len(line) for line in listed.stdout.splitlines()) > 80
