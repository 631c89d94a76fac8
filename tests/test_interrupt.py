"""Ctrl-C halfway through a run: exit code 130, the line that says a rerun resumes, and a rerun that
completes without asking the endpoint any question twice. The run is a real subprocess, interrupted
with a real SIGINT, against a scripted endpoint behind a proxy that makes each call take a while."""

from __future__ import annotations

import signal
import time

from distillscope.errors import INTERRUPTED_MESSAGE, ExitCode
from distillscope.fileio.jsonl import read_jsonl, write_jsonl
from doubles.chat_runs import rerun_and_collect, start_chat, stored_prompts, stored_prompts_so_far
from doubles.proxy import FaultProxy
from doubles.scripted import ScriptedServer

PROMPTS = [f"What is {a} times {b}?" for a in range(1, 7) for b in range(1, 7)]


def test_sigint_exits_130_and_the_rerun_resumes(tmp_path, store_path):
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, [{"id": str(i), "prompt": p} for i, p in enumerate(PROMPTS)])
    out = tmp_path / "replies.jsonl"
    with (
        ScriptedServer(lambda messages, _: f"answer to {messages[-1]['content']}") as scripted,
        FaultProxy(scripted.url, latency=1.5) as proxy,
    ):
        spec = f"{proxy.url}/v1#{scripted.model}"
        first = start_chat(spec, prompts, out, store_path)
        deadline = time.monotonic() + 120
        # 36 calls at 16 at a time, 1.5 s each: the first wave is committed seconds before the last
        # one ends, so the signal lands mid-run even on a loaded machine.
        while not stored_prompts_so_far(store_path):
            assert first.poll() is None, first.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=60)
        assert first.returncode == ExitCode.INTERRUPTED, err.decode()
        lines = [line for line in err.decode().splitlines() if line.strip()]
        assert lines[-1] == INTERRUPTED_MESSAGE and "Traceback" not in err.decode()
        committed = stored_prompts(store_path)
        assert 0 < len(committed) < len(PROMPTS)
        asked_again = rerun_and_collect(proxy, spec, prompts, out, store_path)

    assert len(asked_again) == len(PROMPTS) - len(committed) and not set(asked_again) & committed
    assert stored_prompts(store_path) == set(PROMPTS)
    replies = [record for _, record in read_jsonl(out)]
    assert len(replies) == len(PROMPTS) and all(r["response"].startswith("answer to") for r in replies)
    assert sum(r["cached"] for r in replies) == len(committed)
