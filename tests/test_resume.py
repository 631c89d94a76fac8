"""A run killed with SIGKILL halfway, then started again, makes only the calls that were missing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from distillscope.fileio.jsonl import read_jsonl, write_jsonl
from distillscope.testing.proxy import FaultProxy

PROMPTS = [f"What is {a} plus {b}?" for a in range(1, 9) for b in range(1, 7)]


def _stored_prompts(store_path) -> set[str]:
    with sqlite3.connect(f"file:{store_path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT request FROM calls").fetchall()
    return {json.loads(r[0])["messages"][-1]["content"] for r in rows}


def _stored_prompts_so_far(store_path) -> set[str]:
    """The child creates the file a moment before its tables, so an early look may find neither."""
    try:
        return _stored_prompts(store_path)
    except sqlite3.OperationalError:
        return set()


def _chat(spec, prompts, out, store_path):
    cmd = [
        sys.executable,
        "-m",
        "distillscope.cli.app",
        "--store",
        str(store_path),
        "chat",
        spec,
        "--prompts",
        str(prompts),
        "-o",
        str(out),
        "--temperature",
        "0",
        "--max-tokens",
        "8",
    ]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sigkill_halfway_then_resume(server, tmp_path, store_path):
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, [{"id": str(i), "prompt": p} for i, p in enumerate(PROMPTS)])
    out = tmp_path / "replies.jsonl"
    with FaultProxy(f"http://127.0.0.1:{server.port}", latency=0.25) as proxy:
        spec = f"{proxy.url}/v1#{server.model_name}"
        process = _chat(spec, prompts, out, store_path)
        deadline = time.monotonic() + 120
        while len(_stored_prompts_so_far(store_path)) < len(PROMPTS) // 4:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        committed = _stored_prompts(store_path)
        assert 0 < len(committed) < len(PROMPTS)
        lines_before = sum(1 for _ in read_jsonl(out))
        assert lines_before >= len(committed) - 8  # finished lines were on disk already

        while proxy.stats.in_flight:  # requests the killed process left in the proxy finish first
            time.sleep(0.02)
        forwarded_before = proxy.stats.forwarded
        second = _chat(spec, prompts, out, store_path)
        _, err = second.communicate(timeout=300)
        assert second.returncode == 0, err.decode()
        new_bodies = proxy.stats.forwarded_bodies[forwarded_before:]

    assert len(new_bodies) == len(PROMPTS) - len(committed)
    asked_again = {json.loads(b)["messages"][-1]["content"] for b in new_bodies}
    assert not asked_again & committed
    assert _stored_prompts(store_path) == set(PROMPTS)
    replies = [record for _, record in read_jsonl(out)]
    assert len(replies) == len(PROMPTS) and all("response" in r for r in replies)
    assert sum(r["cached"] for r in replies) == len(committed)
