"""`distillscope chat` as a real child process, for tests that stop a run halfway and rerun it.

The tests send real signals (SIGKILL, SIGINT) to a real process and then read the run store from
outside, so these helpers read it the way a second process would: read-only, and tolerant of a
store the child has not finished creating.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from doubles.proxy import FaultProxy


def stored_prompts(store_path: Path) -> set[str]:
    """The last user message of every committed call."""
    with sqlite3.connect(f"file:{store_path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT request FROM calls").fetchall()
    return {json.loads(r[0])["messages"][-1]["content"] for r in rows}


def stored_prompts_so_far(store_path: Path) -> set[str]:
    """The child creates the file a moment before its tables, so an early look may find neither."""
    try:
        return stored_prompts(store_path)
    except sqlite3.OperationalError:
        return set()


def start_chat(spec: str, prompts: Path, out: Path, store_path: Path) -> subprocess.Popen[bytes]:
    """`distillscope chat` over a prompts file, greedy and short, in a child that hears Ctrl-C."""
    command = [sys.executable, "-m", "distillscope.cli.app", "--store", str(store_path), "chat", spec]
    command += ["--prompts", str(prompts), "-o", str(out), "--temperature", "0", "--max-tokens", "8"]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"},
        preexec_fn=_hear_sigint,
    )


def _hear_sigint() -> None:
    """A suite started in the background by a non-interactive shell inherits SIGINT ignored, and
    Python then installs no Ctrl-C handler in the child: give the child the terminal's default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def rerun_and_collect(proxy: FaultProxy, spec: str, prompts: Path, out: Path, store_path: Path) -> list[str]:
    """Run the same chat again once the stopped run's requests have left the proxy; the last user
    message of every request the rerun sent upstream."""
    while proxy.stats.in_flight:
        time.sleep(0.02)
    forwarded_before = proxy.stats.forwarded
    rerun = start_chat(spec, prompts, out, store_path)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    return [json.loads(body)["messages"][-1]["content"] for body in proxy.stats.forwarded_bodies[forwarded_before:]]
