"""A run killed with SIGKILL halfway, then started again, makes only the calls that were missing."""

from __future__ import annotations

import os
import signal
import time

from distillscope.fileio.jsonl import read_jsonl, write_jsonl
from doubles.chat_runs import rerun_and_collect, start_chat, stored_prompts, stored_prompts_so_far
from doubles.proxy import FaultProxy

PROMPTS = [f"What is {a} plus {b}?" for a in range(1, 9) for b in range(1, 7)]


def test_sigkill_halfway_then_resume(server, tmp_path, store_path):
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, [{"id": str(i), "prompt": p} for i, p in enumerate(PROMPTS)])
    out = tmp_path / "replies.jsonl"
    with FaultProxy(f"http://127.0.0.1:{server.port}", latency=0.25) as proxy:
        spec = f"{proxy.url}/v1#{server.model_name}"
        process = start_chat(spec, prompts, out, store_path)
        deadline = time.monotonic() + 120
        while len(stored_prompts_so_far(store_path)) < len(PROMPTS) // 4:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        committed = stored_prompts(store_path)
        assert 0 < len(committed) < len(PROMPTS)
        lines_before = sum(1 for _ in read_jsonl(out))
        assert lines_before >= len(committed) - 8  # finished lines were on disk already

        asked_again = rerun_and_collect(proxy, spec, prompts, out, store_path)

    assert len(asked_again) == len(PROMPTS) - len(committed) and not set(asked_again) & committed
    assert stored_prompts(store_path) == set(PROMPTS)
    replies = [record for _, record in read_jsonl(out)]
    assert len(replies) == len(PROMPTS) and all("response" in r for r in replies)
    assert sum(r["cached"] for r in replies) == len(committed)
