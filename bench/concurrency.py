"""Concurrency of the HTTP model layer, and what a rerun costs.

200 chat calls go through a proxy that adds 100 ms to every request, first one at a time and then
32 at a time; each pass uses a fresh run store. The ratio of the two wall times is how much of the
network wait concurrency hides. It is measured against two servers behind the same proxy:

- the scripted server (`tests/doubles/scripted.py`), which does no model work: the ratio shows the
  client's own overhead (run store, HTTP client, event loop), and is expected to be at least 15x.
  The scripted server and its proxies run in a child process, so they do not share the client's
  interpreter lock and what is measured is the client;
- a real `transformers serve` on the same cores: its CPU floor (the same calls with no added
  latency) bounds the ratio, so it shows what a local server leaves of the client's concurrency.

A second, identical pass at 32 is then answered from the store (expected: 0 new calls).
The last line is one JSON object with every figure.

    .venv/bin/python bench/concurrency.py [--calls 200] [--latency 0.1] [--servers scripted,transformers]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import doubles_on_path  # noqa: F401 - puts tests/ (the doubles) on the path
from distillscope.models import GenerateConfig, ModelConfig
from distillscope.models.batch import ChatRequest, chat_many
from distillscope.models.run import Run
from distillscope.store import RunStore
from doubles.proxy import FaultProxy
from doubles.scripted import ScriptedServer
from doubles.server import LocalServer
from doubles.toy import build_toy_model

PARAMS = GenerateConfig(temperature=0, max_tokens=4)
EXPECTED_SCRIPTED_RATIO = 15.0


@dataclass
class Endpoints:
    """A server behind two proxies: one adding the latency, one adding nothing (for the floor)."""

    slow_url: str
    bare_url: str
    model: str
    forwarded: Callable[[], int]  # requests the slow proxy has passed on so far


@dataclass
class Passes:
    serial_s: float
    concurrent_s: float
    floor_s: float
    calls: int
    rerun_new_calls: int
    rerun_from_store: int
    rerun_requests: int
    rerun_s: float

    @property
    def ratio(self) -> float:
        return self.serial_s / self.concurrent_s


async def one_pass(store: RunStore, spec: str, connections: int, prompts: list[str]) -> tuple[float, int, int]:
    async with Run(store, f"bench concurrency {connections}") as run:
        model = run.model(ModelConfig(spec=spec, max_connections=connections, name=f"c{connections}"))
        started = time.perf_counter()
        results = await chat_many(model, [ChatRequest.of(p, config=PARAMS) for p in prompts])
        elapsed = time.perf_counter() - started
    assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
    return elapsed, model.usage.calls, model.usage.cached


def measure(endpoints: Endpoints, prompts: list[str], concurrency: int, work: Path) -> Passes:
    """Serial, concurrent, rerun and floor passes against one server, each with a fresh store."""
    spec = f"{endpoints.slow_url}/v1#{endpoints.model}"
    with RunStore(work / "warmup.sqlite") as store:  # a server's first calls are slow
        asyncio.run(one_pass(store, spec, 8, [f"warm-up {i}" for i in range(16)]))
    with RunStore(work / "serial.sqlite") as store:
        serial, calls, _ = asyncio.run(one_pass(store, spec, 1, prompts))
    with RunStore(work / "concurrent.sqlite") as store:
        wide, _, _ = asyncio.run(one_pass(store, spec, concurrency, prompts))
        forwarded = endpoints.forwarded()
        again, new_calls, cached = asyncio.run(one_pass(store, spec, concurrency, prompts))
        forwarded_again = endpoints.forwarded() - forwarded
    with RunStore(work / "floor.sqlite") as store:
        floor, _, _ = asyncio.run(one_pass(store, f"{endpoints.bare_url}/v1#{endpoints.model}", concurrency, prompts))
    return Passes(serial, wide, floor, calls, new_calls, cached, forwarded_again, again)


@contextmanager
def proxied(upstream: str, model: str, latency: float) -> Iterator[Endpoints]:
    """In this process: for a server that runs elsewhere anyway (`transformers serve`)."""
    with FaultProxy(upstream, latency=latency) as slow, FaultProxy(upstream) as bare:
        yield Endpoints(slow.url, bare.url, model, lambda: slow.stats.forwarded)


@contextmanager
def scripted_elsewhere(latency: float) -> Iterator[Endpoints]:
    """The scripted server and its proxies in a child process; it reports its counts when asked."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve-scripted", "--latency", str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        ready = json.loads(child.stdout.readline())

        def forwarded() -> int:
            child.stdin.write("count\n")
            child.stdin.flush()
            return int(child.stdout.readline())

        yield Endpoints(ready["slow"], ready["bare"], ready["model"], forwarded)
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def serve_scripted(latency: float) -> None:
    """The child's side: serve until stdin closes, answering `count` with the requests passed on."""
    with ScriptedServer(lambda messages, _: "4") as scripted, proxied(scripted.url, scripted.model, latency) as ends:
        print(json.dumps({"slow": ends.slow_url, "bare": ends.bare_url, "model": ends.model}), flush=True)
        for _ in sys.stdin:
            print(ends.forwarded(), flush=True)


def report(name: str, passes: Passes, args: argparse.Namespace, expected: str) -> None:
    print(f"{name}:")
    print(f"  concurrency 1:  {passes.serial_s:7.2f} s  ({passes.calls} calls)")
    print(f"  concurrency {args.concurrency}: {passes.concurrent_s:7.2f} s")
    print(f"  ratio: {passes.ratio:.1f}x  ({expected})")
    print(f"  identical rerun at {args.concurrency}: {passes.rerun_new_calls} new calls (expected: 0), ", end="")
    print(f"{passes.rerun_from_store} from the store, {passes.rerun_requests} requests reached the server")
    print(f"  same calls at {args.concurrency} with no added latency: {passes.floor_s:.2f} s (the floor)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--servers", default="scripted,transformers", help="Which servers to measure against.")
    parser.add_argument("--serve-scripted", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_scripted:
        serve_scripted(args.latency)
        return
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    prompts = [f"What is {i % 9 + 1} plus {i // 9 % 9 + 1}? (question {i})" for i in range(args.calls)]
    figures: dict[str, object] = {"calls": args.calls, "latency_s": args.latency, "concurrency": args.concurrency}

    print(f"{args.calls} chat calls through a proxy adding {args.latency * 1000:.0f} ms per request")
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as scratch:
        work = Path(scratch)
        if "scripted" in servers:
            (work / "scripted").mkdir()
            with scripted_elsewhere(args.latency) as endpoints:
                passes = measure(endpoints, prompts, args.concurrency, work / "scripted")
            report("scripted server (no model work: the client's own overhead)", passes, args, "expected: >= 15x")
            figures["scripted"] = {**asdict(passes), "ratio": round(passes.ratio, 2)}
            figures["scripted_meets_goal"] = passes.ratio >= EXPECTED_SCRIPTED_RATIO
        if "transformers" in servers:
            (work / "transformers").mkdir()
            model_dir = build_toy_model(work / "toy", steps=60)
            with (
                LocalServer(model_dir, continuous_batching=True) as server,
                proxied(f"http://127.0.0.1:{server.port}", server.model_name, args.latency) as endpoints,
            ):
                passes = measure(endpoints, prompts, args.concurrency, work / "transformers")
            report("transformers serve (same cores: its CPU floor bounds the ratio)", passes, args, "for reference")
            figures["transformers"] = {**asdict(passes), "ratio": round(passes.ratio, 2)}
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
