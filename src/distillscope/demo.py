"""The demo: the most complete job the toolkit can run end to end on a laptop, offline.

It trains a tiny chat model from scratch, answers a prompt set through the local backend and again
through a real OpenAI-compatible server (`transformers serve`) over HTTP, reruns the job to show it
is answered entirely from the run store, and exports the run as JSONL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from distillscope.batch import ChatResult
from distillscope.chat import ChatFileSummary, chat_file
from distillscope.jsonl import read_jsonl, write_jsonl
from distillscope.models.config import ModelConfig
from distillscope.models.types import GenerateConfig
from distillscope.store import RunStore
from distillscope.testing.server import LocalServer
from distillscope.testing.toy import TOY_PROMPTS, build_toy_model

DEMO_PARAMS = GenerateConfig(temperature=0, max_tokens=32)


@dataclass
class DemoResult:
    model_dir: Path
    built_in_s: float | None
    store_path: Path
    local: ChatFileSummary
    http: ChatFileSummary | None
    rerun: ChatFileSummary
    export_path: Path
    replies: list[tuple[str, str, str | None]]  # prompt, local reply, HTTP reply


async def run_demo(
    workdir: Path,
    *,
    serve_http: bool = True,
    on_stage: Callable[[str], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[ChatResult], None] | None = None,
) -> DemoResult:
    say = on_stage or (lambda _: None)
    workdir.mkdir(parents=True, exist_ok=True)
    model_dir = workdir / "toy-model"
    built_in = None
    if not (model_dir / "config.json").exists():
        say("training a tiny chat model from scratch")
        started = time.perf_counter()
        build_toy_model(model_dir, steps=500)
        built_in = time.perf_counter() - started
    prompts = workdir / "prompts.jsonl"
    write_jsonl(prompts, ({"id": f"p{i}", "prompt": p} for i, p in enumerate(TOY_PROMPTS)))
    store_path = workdir / "store.sqlite"
    local_spec = ModelConfig(spec=f"hf:{model_dir}", name="toy · local")
    with RunStore(store_path) as store:
        say(f"answering {len(TOY_PROMPTS)} prompts with the local backend")
        local = await chat_file(
            local_spec,
            prompts,
            workdir / "replies-local.jsonl",
            store=store,
            config=DEMO_PARAMS,
            on_start=on_start,
            on_result=on_result,
        )
        http = None
        if serve_http:
            say("starting `transformers serve` and asking the same over HTTP")
            with LocalServer(model_dir) as server:
                http = await chat_file(
                    ModelConfig(spec=server.spec, name="toy · HTTP"),
                    prompts,
                    workdir / "replies-http.jsonl",
                    store=store,
                    config=DEMO_PARAMS,
                    on_start=on_start,
                    on_result=on_result,
                )
        say("rerunning the local job: every answer should come from the store")
        rerun = await chat_file(
            local_spec,
            prompts,
            workdir / "replies-local.jsonl",
            store=store,
            config=DEMO_PARAMS,
            on_start=on_start,
            on_result=on_result,
        )
        export_path = workdir / "run-local.jsonl"
        write_jsonl(export_path, store.export_run(local.run_id))
    return DemoResult(
        model_dir=model_dir,
        built_in_s=built_in,
        store_path=store_path,
        local=local,
        http=http,
        rerun=rerun,
        export_path=export_path,
        replies=_pair_replies(local.output_path, http.output_path if http else None),
    )


def _pair_replies(local_path: Path, http_path: Path | None) -> list[tuple[str, str, str | None]]:
    local = {r["id"]: r for _, r in read_jsonl(local_path)}
    http = {r["id"]: r for _, r in read_jsonl(http_path)} if http_path else {}
    rows = []
    for item_id in sorted(local, key=lambda i: int(i.lstrip("p"))):
        record = local[item_id]
        other = http.get(item_id)
        rows.append(
            (
                record["messages"][-1]["content"],
                record.get("response", f"error: {record.get('error')}"),
                None if other is None else other.get("response", f"error: {other.get('error')}"),
            )
        )
    return rows
