"""The plain data every backend speaks: messages, sampling parameters and outputs.

These are the records the run store persists, so each one round-trips through JSON unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["system", "user", "assistant"]


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    content: str


def as_messages(items: Sequence[Message | Mapping[str, Any]] | str) -> list[Message]:
    """Accept a bare prompt, dicts or Messages, so callers need not build Message objects."""
    if isinstance(items, str):
        return [Message(role="user", content=items)]
    return [item if isinstance(item, Message) else Message.model_validate(dict(item)) for item in items]


class GenerateConfig(BaseModel):
    """Sampling parameters. Every field changes the output, so every field is part of the cache key."""

    model_config = ConfigDict(extra="forbid")

    temperature: float | None = Field(None, ge=0, le=2, description="Sampling temperature; 0 is greedy, at most 2.")
    top_p: float | None = Field(None, gt=0, le=1, description="Nucleus sampling mass.")
    max_tokens: int | None = Field(None, ge=1, description="Most tokens to generate per choice.")
    seed: int | None = Field(None, description="Sampling seed, where the backend honours one.")
    n: int = Field(1, ge=1, description="Choices per request.")
    stop: list[str] | None = Field(None, description="Strings that end generation; not included in output.")
    logprobs: bool = Field(False, description="Return the log-prob of each generated token.")
    top_logprobs: int | None = Field(
        None, ge=0, le=20, description="With logprobs: also the k most likely tokens at each step."
    )

    @field_validator("stop", mode="before")
    @classmethod
    def _stop_as_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    def merge(self, other: GenerateConfig | None) -> GenerateConfig:
        """Fields explicitly set on `other` win; the rest come from self."""
        if other is None:
            return self
        return self.model_copy(update=other.model_dump(exclude_unset=True))

    def semantic(self) -> dict[str, Any]:
        """The fields that are set to something other than the default: what the cache key hashes."""
        return {
            name: value
            for name, value in self.model_dump().items()
            if value is not None and value != GenerateConfig.model_fields[name].default
        }


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class TokenLogprob(BaseModel):
    token: str
    logprob: float
    top: list[tuple[str, float]] | None = None


class Choice(BaseModel):
    text: str
    finish_reason: str | None = None
    logprobs: list[TokenLogprob] | None = None


class ChatOutput(BaseModel):
    """One request's answer. `cached` and `key` are set by the run store, not by backends."""

    choices: list[Choice]
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    model: str = ""
    attempts: int = 1
    cached: bool = False
    key: str | None = None

    @property
    def text(self) -> str:
        return self.choices[0].text if self.choices else ""

    @property
    def finish_reason(self) -> str | None:
        return self.choices[0].finish_reason if self.choices else None


class TokenScores(BaseModel):
    """Log-prob of each token of a text given everything before it (and the context, if any).

    The first token has no log-prob (None) when nothing precedes it: no context and no BOS token.
    """

    token_ids: list[int]
    tokens: list[str]
    logprobs: list[float | None]

    @property
    def total(self) -> float:
        return float(sum(lp for lp in self.logprobs if lp is not None))

    @property
    def scored(self) -> int:
        return sum(lp is not None for lp in self.logprobs)
