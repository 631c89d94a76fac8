"""Asking an LLM judge until its reply can be read: the one retry loop every LLM judge shares.

A judge's reply may hold no readable verdict (prose, a broken JSON object, a refusal). Asking the
same request again would get the same reply from the store, so each attempt has its own sample
index, and a caller may warm the sampling of later attempts (a greedy judge repeats itself). A
call that fails for good is one more unreadable attempt, never an exception: a judgment of one
item must not stop a run over thousands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from distillscope.models.base import CallFailed
from distillscope.models.recorded import RecordedModel
from distillscope.models.types import GenerateConfig, Message

T = TypeVar("T")
RETRY_TEMPERATURE = 0.7


@dataclass
class Reply(Generic[T]):
    value: T | None  # what `read` made of the last reply; None when no attempt could be read
    raw: str  # the last reply, or why the last call failed
    attempts: int
    cached: bool  # every reply came from the run store
    failed: bool  # no call got through at all

    @property
    def read(self) -> bool:
        return self.value is not None


def warmed(
    config: GenerateConfig, temperature: float | None = RETRY_TEMPERATURE, only_if_greedy: bool = True
) -> Callable[[int], GenerateConfig]:
    """A per-attempt config: attempt 0 as given, later ones at `temperature` (None: never changed)."""

    def for_attempt(attempt: int) -> GenerateConfig:
        if attempt == 0 or temperature is None or (only_if_greedy and config.temperature != 0):
            return config
        return config.model_copy(update={"temperature": temperature})

    return for_attempt


async def ask_until_read(
    model: RecordedModel,
    messages: list[Message],
    config_for: Callable[[int], GenerateConfig],
    read: Callable[[str], T | None],
    retries: int,
) -> Reply[T]:
    raw, cached, got_reply = "", True, False
    for attempt in range(retries + 1):
        try:
            output = await model.generate(messages, config_for(attempt), sample_index=attempt)
        except CallFailed as exc:
            raw, cached = f"judge call failed: {exc}", False
            continue
        got_reply, cached, raw = True, cached and output.cached, output.text
        value = read(output.text)
        if value is not None:
            return Reply(value, raw, attempt + 1, cached, failed=False)
    return Reply(None, raw, retries + 1, cached and got_reply, failed=not got_reply)
