"""Many chat requests at once: the loop every command that talks to models is built on.

All requests are in flight together; the backend's own limits (an endpoint's connection cap, a
local model's batch size) decide how many really run. One failed request is recorded and the
batch goes on; a fatal error (unreachable endpoint, rejected key) stops the batch at once, since
every other request would fail the same way. Results are reported as they complete, in any order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from distillscope.models.base import CallFailed
from distillscope.models.recorded import RecordedModel
from distillscope.models.tasks import gather_fail_fast
from distillscope.models.types import ChatOutput, GenerateConfig, Message, as_messages


@dataclass
class ChatRequest:
    messages: list[Message]
    config: GenerateConfig | None = None
    sample_index: int = 0
    id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, messages: Sequence[Message | dict[str, Any]] | str, **kwargs: Any) -> ChatRequest:
        return cls(messages=as_messages(messages), **kwargs)


@dataclass
class ChatResult:
    request: ChatRequest
    output: ChatOutput | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.output is not None


async def chat_many(
    model: RecordedModel,
    requests: Sequence[ChatRequest],
    on_result: Callable[[ChatResult], None] | None = None,
) -> list[ChatResult]:
    """Run every request; results come back in request order. What the store holds is read first, all
    at once; only the rest reaches the backend."""
    stored = model.answered_by_store([(r.messages, r.config, r.sample_index) for r in requests])

    async def one(request: ChatRequest, output: ChatOutput | None) -> ChatResult:
        try:
            if output is None:
                output = await model.generate(request.messages, request.config, sample_index=request.sample_index)
            result = ChatResult(request, output=output)
        except CallFailed as exc:
            result = ChatResult(request, error=str(exc))
        if on_result is not None:
            on_result(result)
        return result

    return await gather_fail_fast(one(r, o) for r, o in zip(requests, stored, strict=True))
