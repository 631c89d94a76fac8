"""The two interfaces every model is reached through.

`ChatModel` is all an API model can do. `ScoringModel` adds what only a white-box model can give:
log-probs of given text, top-k next-token distributions and hidden states. Backends implement the
underscored hooks; the public methods apply the model's own system prompt and default parameters,
so the effective request (what the cache key hashes) is computed in exactly one place.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from distillscope.errors import DistillscopeError, ExitCode
from distillscope.models.config import ModelConfig
from distillscope.models.types import ChatOutput, GenerateConfig, Message, TokenScores, as_messages


class CallFailed(DistillscopeError):
    """One request failed for good. A batch records it and goes on; a fatal error would stop it."""

    exit_code = ExitCode.CALLS_FAILED


@dataclass
class BackendCounters:
    """What a backend did on the wire: what the store cannot see."""

    requests: int = 0
    retries: int = 0
    failures: int = 0
    retry_reasons: dict[str, int] = field(default_factory=dict)

    def count_retry(self, reason: str) -> None:
        self.retries += 1
        self.retry_reasons[reason] = self.retry_reasons.get(reason, 0) + 1


class ChatModel(ABC):
    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.counters = BackendCounters()

    @property
    def name(self) -> str:
        return self.config.display_name

    @property
    @abstractmethod
    def identity(self) -> dict[str, Any]:
        """What determines this model's outputs, for the cache key: never a secret."""

    def prepare(
        self, messages: Sequence[Message | dict[str, Any]] | str, config: GenerateConfig | None = None
    ) -> tuple[list[Message], GenerateConfig]:
        """The effective request: the model's system prompt and defaults under the caller's own."""
        msgs = as_messages(messages)
        if self.config.system and not any(m.role == "system" for m in msgs):
            msgs = [Message(role="system", content=self.config.system), *msgs]
        return msgs, self.config.params.merge(config)

    async def generate(
        self, messages: Sequence[Message | dict[str, Any]] | str, config: GenerateConfig | None = None
    ) -> ChatOutput:
        msgs, effective = self.prepare(messages, config)
        return await self.generate_prepared(msgs, effective)

    @abstractmethod
    async def generate_prepared(
        self, messages: list[Message], config: GenerateConfig, sample_index: int = 0
    ) -> ChatOutput:
        """Generate for an already prepared request; the run store calls this directly.

        `sample_index` tells repeated samples of one request apart; a live model differs through its
        seed or its sampling, a recording through which recorded answer it gives.
        """

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections or memory."""


@dataclass
class TopKLogprobs:
    """The k most likely next tokens at each position of a text, aligned with `TokenScores`.

    Row t is the distribution that predicts token t of the text. `valid[t]` is False where nothing
    precedes token t (no context, no BOS), and that row holds no distribution.
    """

    ids: np.ndarray  # [T, k] int64
    logprobs: np.ndarray  # [T, k] float32
    valid: np.ndarray  # [T] bool


class ScoringModel(ABC):
    """White-box access. Texts are scored with their contexts tokenised separately, then joined."""

    @abstractmethod
    async def token_logprobs(
        self, texts: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[TokenScores]: ...

    @abstractmethod
    async def top_k_logprobs(
        self, texts: Sequence[str], k: int, contexts: Sequence[str] | None = None
    ) -> list[TopKLogprobs]: ...

    @abstractmethod
    async def hidden_states(self, texts: Sequence[str], layers: Sequence[int] | None = None) -> list[np.ndarray]:
        """Per text, an array [layers, T, hidden]; layer 0 is the embedding output."""

    @abstractmethod
    def chat_prompt(self, messages: Sequence[Message | dict[str, Any]]) -> str:
        """The model's chat template applied to messages, ending where the assistant starts."""
