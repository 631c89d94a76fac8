"""Concurrency of the HTTP model layer, and what a rerun costs.

200 chat calls go through a proxy that adds 100 ms to every request, in front of a real
`transformers serve` on 127.0.0.1, first one at a time and then 32 at a time; each pass uses a
fresh run store. The ratio of the two wall times is how much of the network wait concurrency
hides (expected: at least 15x). A second, identical pass at 32 is then answered from the store
(expected: 0 new calls).

    .venv/bin/python bench/concurrency.py [--calls 200] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from distillscope.models import GenerateConfig, ModelConfig
from distillscope.models.batch import ChatRequest, chat_many
from distillscope.models.run import Run
from distillscope.store import RunStore
from distillscope.testing.proxy import FaultProxy
from distillscope.testing.server import LocalServer
from distillscope.testing.toy import build_toy_model

PARAMS = GenerateConfig(temperature=0, max_tokens=4)


async def one_pass(store: RunStore, spec: str, connections: int, prompts: list[str]) -> tuple[float, int, int]:
    async with Run(store, f"bench concurrency {connections}") as run:
        model = run.model(ModelConfig(spec=spec, max_connections=connections, name=f"c{connections}"))
        started = time.perf_counter()
        results = await chat_many(model, [ChatRequest.of(p, config=PARAMS) for p in prompts])
        elapsed = time.perf_counter() - started
    assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
    return elapsed, model.usage.calls, model.usage.cached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    prompts = [f"What is {i % 9 + 1} plus {i // 9 % 9 + 1}? (question {i})" for i in range(args.calls)]

    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as scratch:
        work = Path(scratch)
        model_dir = build_toy_model(work / "toy", steps=60)
        with LocalServer(model_dir, continuous_batching=True) as server:
            with FaultProxy(f"http://127.0.0.1:{server.port}", latency=args.latency) as proxy:
                spec = f"{proxy.url}/v1#{server.model_name}"
                with RunStore(work / "warmup.sqlite") as store:  # the server's first calls are slow
                    asyncio.run(one_pass(store, spec, 8, [f"warm-up {i}" for i in range(16)]))
                with RunStore(work / "serial.sqlite") as store:
                    serial, serial_calls, _ = asyncio.run(one_pass(store, spec, 1, prompts))
                with RunStore(work / "concurrent.sqlite") as store:
                    wide, wide_calls, _ = asyncio.run(one_pass(store, spec, args.concurrency, prompts))
                    forwarded = proxy.stats.forwarded
                    again, new_calls, cached = asyncio.run(one_pass(store, spec, args.concurrency, prompts))
                    forwarded_again = proxy.stats.forwarded - forwarded
            with FaultProxy(f"http://127.0.0.1:{server.port}") as bare, RunStore(work / "floor.sqlite") as store:
                floor, _, _ = asyncio.run(
                    one_pass(store, f"{bare.url}/v1#{server.model_name}", args.concurrency, prompts)
                )

    print(f"{args.calls} chat calls through a proxy adding {args.latency * 1000:.0f} ms, transformers serve behind it")
    print(f"  concurrency 1:  {serial:7.2f} s  ({serial_calls} calls)")
    print(f"  concurrency {args.concurrency}: {wide:7.2f} s  ({wide_calls} calls)")
    print(f"  ratio: {serial / wide:.1f}x  (expected: at least 15x)")
    print(f"  identical rerun at {args.concurrency}: {new_calls} new calls (expected: 0), {cached} from the store,")
    print(f"    {forwarded_again} requests reached the server, {again:.2f} s")
    print(f"  same calls at {args.concurrency} with no added latency: {floor:.2f} s: the CPU floor of this machine,")
    print("    where client, proxy and server share the cores; it bounds the ratio")


if __name__ == "__main__":
    main()
