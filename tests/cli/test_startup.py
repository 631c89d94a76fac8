"""The CLI starts without its heavy dependencies: they load inside the command that needs them.

Each check runs in a fresh interpreter, since this test process has long since imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from distillscope.cli.app import COMMANDS
from distillscope.cli.lazy_group import load_command

HEAVY = (
    "torch",
    "transformers",
    "sklearn",
    "scipy.stats",
    "sentence_transformers",
    "datasets",
    "plotly",
    # what `audit --help` loaded for its ICE flags until the settings left the job: the identity judges,
    # the model clients under them and numpy; and the report's and clients' own stacks
    "numpy",
    "distillscope.judges.identity",
    "distillscope.models.base",
    "distillscope.audit.ice.job",
    "jinja2",
    "httpx",
    "openai",
)
SOURCES = str(Path(__file__).resolve().parents[2] / "src")


def heavy_modules_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env={"PYTHONPATH": SOURCES}
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_app_loads_no_heavy_module():
    assert heavy_modules_after("import distillscope.cli.app") == []


@pytest.mark.parametrize("args", [["--help"], ["audit", "--help"], ["audit", "--no-such-flag"], ["rse", "--help"]])
def test_help_and_a_bad_flag_load_no_heavy_module(args):
    run = f"from distillscope.cli.app import run_command\nrun_command({args!r})"
    assert heavy_modules_after(run) == []


def test_the_root_help_loads_no_audit_module():
    """The root lists commands; the audit package (its methods' registry, evidence models) is audit's."""
    probe = (
        "from distillscope.cli.app import run_command\n"
        "try:\n    run_command(['--help'])\nexcept SystemExit:\n    pass\n"
        "import sys\nprint(sorted(m for m in sys.modules if m.startswith('distillscope.audit')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env={"PYTHONPATH": SOURCES}
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_listed_summary_is_the_commands_own_first_line(name):
    """The root help lists commands without importing them; its lines must be theirs."""
    command = load_command(name, COMMANDS[name].target)
    own = (command.help or "").strip().split("\n\n")[0].replace("\n", " ")
    assert COMMANDS[name].summary == own
