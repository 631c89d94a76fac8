"""Ctrl-C halfway through a run: exit code 130, the line that says a rerun resumes, and a rerun that
completes without asking the endpoint any question twice. The run is a real subprocess, interrupted
with a real SIGINT, against a scripted endpoint behind a proxy that makes each call take a while."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from distillscope.errors import INTERRUPTED_MESSAGE, ExitCode
from distillscope.fileio.jsonl import read_jsonl, write_jsonl
from distillscope.testing.proxy import FaultProxy
from distillscope.testing.scripted import ScriptedServer

PROMPTS = [f"What is {a} times {b}?" for a in range(1, 7) for b in range(1, 7)]


def _stored_prompts(store_path) -> set[str]:
    with sqlite3.connect(f"file:{store_path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT request FROM calls").fetchall()
    return {json.loads(r[0])["messages"][-1]["content"] for r in rows}


def _committed_count(store_path) -> int:
    """Calls committed so far; 0 while the child has not made its store or its tables yet."""
    try:
        with sqlite3.connect(f"file:{store_path}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _chat(spec, prompts, out, store_path):
    cmd = [sys.executable, "-m", "distillscope.cli.app", "--store", str(store_path), "chat", spec]
    cmd += ["--prompts", str(prompts), "-o", str(out), "--max-tokens", "8"]
    return subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"},
        preexec_fn=_hear_sigint,
    )


def _hear_sigint() -> None:
    """A suite started in the background by a non-interactive shell inherits SIGINT ignored, and
    Python then installs no Ctrl-C handler in the child: give the child the terminal's default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_exits_130_and_the_rerun_resumes(tmp_path, store_path):
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, [{"id": str(i), "prompt": p} for i, p in enumerate(PROMPTS)])
    out = tmp_path / "replies.jsonl"
    with (
        ScriptedServer(lambda messages, _: f"answer to {messages[-1]['content']}") as scripted,
        FaultProxy(scripted.url, latency=1.5) as proxy,
    ):
        spec = f"{proxy.url}/v1#{scripted.model}"
        first = _chat(spec, prompts, out, store_path)
        deadline = time.monotonic() + 120
        # 36 calls at 16 at a time, 1.5 s each: the first wave is committed seconds before the last
        # one ends, so the signal lands mid-run even on a loaded machine.
        while _committed_count(store_path) < 1:
            assert first.poll() is None, first.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=60)
        assert first.returncode == ExitCode.INTERRUPTED, err.decode()
        lines = [line for line in err.decode().splitlines() if line.strip()]
        assert lines[-1] == INTERRUPTED_MESSAGE and "Traceback" not in err.decode()
        committed = _stored_prompts(store_path)
        assert 0 < len(committed) < len(PROMPTS)

        while proxy.stats.in_flight:  # what the interrupted run left in the proxy finishes first
            time.sleep(0.02)
        forwarded_before = proxy.stats.forwarded
        second = _chat(spec, prompts, out, store_path)
        _, err = second.communicate(timeout=300)
        assert second.returncode == 0, err.decode()
        new_bodies = proxy.stats.forwarded_bodies[forwarded_before:]

    asked_again = [json.loads(body)["messages"][-1]["content"] for body in new_bodies]
    assert len(asked_again) == len(PROMPTS) - len(committed) and not set(asked_again) & committed
    assert _stored_prompts(store_path) == set(PROMPTS)
    replies = [record for _, record in read_jsonl(out)]
    assert len(replies) == len(PROMPTS) and all(r["response"].startswith("answer to") for r in replies)
    assert sum(r["cached"] for r in replies) == len(committed)
