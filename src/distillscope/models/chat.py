"""Chatting with any model: one prompt, a file of prompts, or a one-call health check.

These are the library functions behind `distillscope chat` and `distillscope models check`. Every
call is recorded in the run store; replies to a prompt file are written as they arrive, so a killed
run leaves its finished lines on disk and its rerun is answered from the store. A rerun's replies
replace the earlier file only once they are all written (`streamed_output`), and the output may not
be the prompts file itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from distillscope.errors import InputError
from distillscope.fileio.files import streamed_output
from distillscope.fileio.jsonl import read_jsonl, write_record
from distillscope.fileio.lists import refuse_duplicate_ids
from distillscope.fileio.paths import check_output_file
from distillscope.models.batch import ChatRequest, ChatResult, chat_many
from distillscope.models.catalog import ModelCatalog
from distillscope.models.config import ModelConfig
from distillscope.models.run import Run
from distillscope.models.types import ChatOutput, GenerateConfig, as_messages
from distillscope.models.usage import ModelUsage
from distillscope.store import RunStore

CHECK_PROMPT = "Reply with one short sentence: who are you?"


class ChatJob(BaseModel):
    """What `distillscope chat` does; the flags and a `--config` YAML file set the same fields."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="Model spec, or an alias from the models file.")
    prompt: str | None = Field(None, description="One prompt to answer.")
    prompts: Path | None = Field(None, description='JSONL of {"prompt": ...} or {"messages": [...]} lines.')
    output: Path | None = Field(None, description="Where replies to --prompts go (JSONL).")
    models: ModelCatalog = Field(
        default_factory=ModelCatalog, description="Named models (the catalog): name -> spec or model config."
    )
    params: GenerateConfig = Field(default_factory=GenerateConfig, description="Sampling parameters.")

    @model_validator(mode="after")
    def _one_source(self) -> ChatJob:
        if (self.prompt is None) == (self.prompts is None):
            raise ValueError("give either a prompt or a prompts file, not both or neither")
        return self


@dataclass
class ChatReply:
    output: ChatOutput
    usage: ModelUsage
    run_id: str


@dataclass
class ChatFileSummary:
    output_path: Path
    run_id: str
    total: int
    answered: int
    failed: int
    usage: ModelUsage


def load_prompts(path: Path | str) -> list[ChatRequest]:
    """Read `{"prompt": ...}` or `{"messages": [...]}` lines, each optionally with an "id"."""
    requests: list[ChatRequest] = []
    for line, record in read_jsonl(path):
        item_id = str(record.get("id", line))
        if "messages" in record:
            if not isinstance(record["messages"], list) or not record["messages"]:
                raise InputError(
                    f"messages is {_kind(record['messages'])}, not a list of turns",
                    path=path,
                    line=line,
                    hint='expected [{"role": "user", "content": "..."}, ...], or {"prompt": "..."} for one prompt',
                )
            try:
                messages = as_messages(record["messages"])
            except (ValueError, TypeError) as exc:
                raise InputError(
                    f"bad messages: {_first_error(exc)}",
                    path=path,
                    line=line,
                    hint='expected [{"role": "user", "content": "..."}, ...]',
                ) from None
        elif isinstance(record.get("prompt"), str):
            messages = as_messages(record["prompt"])
        else:
            raise InputError(
                "no prompt", path=path, line=line, hint='expected {"prompt": "..."} or {"messages": [...]}'
            )
        requests.append(ChatRequest(messages=messages, id=item_id, meta={"line": line}))
    if not requests:
        raise InputError("no prompts in file", path=path, hint='expected JSONL lines like {"prompt": "..."}')
    refuse_duplicate_ids(((r.id, r.meta["line"]) for r in requests), path)
    return requests


async def chat_once(
    model: str | ModelConfig,
    prompt: str,
    *,
    store: RunStore,
    config: GenerateConfig | None = None,
    catalog: ModelCatalog | None = None,
) -> ChatReply:
    async with Run(store, "chat", {"model": _label(model), "params": _params(config)}, catalog) as run:
        recorded = run.model(model)
        output = await recorded.generate(prompt, config)
    return ChatReply(output=output, usage=recorded.usage, run_id=run.id)


async def check_model(model: str | ModelConfig, *, store: RunStore, catalog: ModelCatalog | None = None) -> ChatReply:
    """One real call (never answered from the store), to prove the endpoint, key and model work."""
    async with Run(store, "models check", {"model": _label(model)}, catalog) as run:
        recorded = run.model(model)
        output = await recorded.generate(CHECK_PROMPT, GenerateConfig(max_tokens=32), refresh=True)
    return ChatReply(output=output, usage=recorded.usage, run_id=run.id)


async def chat_file(
    model: str | ModelConfig,
    prompts_path: Path,
    output_path: Path,
    *,
    store: RunStore,
    config: GenerateConfig | None = None,
    catalog: ModelCatalog | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[ChatResult], None] | None = None,
) -> ChatFileSummary:
    requests = load_prompts(prompts_path)
    check_output_file(output_path, inputs=[prompts_path])  # before any call
    for request in requests:
        request.config = config
    if on_start is not None:
        on_start(len(requests))
    job = {"model": _label(model), "prompts": str(prompts_path), "params": _params(config)}
    async with Run(store, "chat", job, catalog) as run:
        recorded = run.model(model)
        with streamed_output(output_path) as sink:

            def write(result: ChatResult) -> None:
                write_record(sink, reply_record(result, recorded.name))
                if on_result is not None:
                    on_result(result)

            results = await chat_many(recorded, requests, on_result=write)
    failed = sum(not r.ok for r in results)
    return ChatFileSummary(output_path, run.id, len(results), len(results) - failed, failed, recorded.usage)


def reply_record(result: ChatResult, model_name: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": result.request.id,
        "model": model_name,
        "messages": [m.model_dump() for m in result.request.messages],
    }
    if result.output is not None:
        record["response"] = result.output.text
        if len(result.output.choices) > 1:
            record["responses"] = [c.text for c in result.output.choices]
        record["finish_reason"] = result.output.finish_reason
        record["usage"] = result.output.usage.model_dump()
        record["cached"] = result.output.cached
    else:
        record["error"] = result.error
    return record


def _label(model: str | ModelConfig) -> str:
    return model if isinstance(model, str) else model.display_name


def _params(config: GenerateConfig | None) -> dict[str, Any]:
    return {} if config is None else config.semantic()


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an empty list"
    return {str: "text", dict: "an object", int: "a number", float: "a number", bool: "true/false"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(exc).splitlines()[0]
