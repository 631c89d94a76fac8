"""How a model is configured: its spec plus everything a YAML file may say about it.

The same `ModelConfig` backs a bare spec on the command line and a named entry in a models file, so
flags and YAML can never drift apart. Secrets are never fields: only the *name* of the environment
variable that holds a key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from distillscope.fileio.yamlio import load_config
from distillscope.models.types import GenerateConfig
from distillscope.redaction import redact

Dtype = Literal["auto", "float32", "bfloat16", "float16"]


class Price(BaseModel):
    """US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid")

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok) / 1e6


class ModelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spec: str = Field(description="provider:model, hf:PATH_OR_REPO[@revision] or http(s)://HOST/v1#MODEL.")
    name: str | None = Field(None, description="Display name; defaults to the spec.")
    system: str | None = Field(None, description="System prompt prepended when a request has none.")
    params: GenerateConfig = Field(default_factory=GenerateConfig, description="Default sampling.")

    # OpenAI-compatible endpoints
    base_url: str | None = Field(None, description="Overrides the provider's default base URL.")
    api_key_env: str | None = Field(None, description="Environment variable holding the API key.")
    max_connections: int | None = Field(None, ge=1, description="Concurrent requests to this endpoint.")
    timeout: float = Field(
        120.0, gt=0, description="Seconds before one request is abandoned: connecting, waiting and reading, all told."
    )
    max_reply_bytes: int = Field(
        8_000_000, ge=1024, description="A reply body larger than this is refused as malformed, not stored."
    )
    max_retries: int = Field(6, ge=0, description="Retries on 429, 5xx, timeouts and dropped connections.")
    supports_n: bool | None = Field(None, description="Whether the endpoint honours n>1 in one request.")
    extra_body: dict[str, Any] = Field(default_factory=dict, description="Provider-specific body fields.")
    price: Price | None = Field(None, description="Overrides the built-in price table.")

    # local Hugging Face models
    device: str = Field("auto", description="'auto', 'cpu', 'cuda' or 'cuda:N'.")
    dtype: Dtype = Field("auto", description="'auto' is float32 on CPU and the checkpoint's dtype on GPU.")
    trust_remote_code: bool = Field(False, description="Run code shipped with the model. Off by default.")
    revision: str | None = Field(None, description="Hub revision (branch, tag or commit).")
    batch_size: int = Field(8, ge=1, description="Requests generated together.")
    chat_template: str | None = Field(None, description="A Jinja chat template, or a path to one.")
    attn_implementation: str | None = Field(None, description="e.g. 'sdpa', 'eager', 'flash_attention_2'.")

    @property
    def display_name(self) -> str:
        return redact(self.name or self.spec)  # a URL spec may carry credentials: never shown


class ModelsFile(BaseModel):
    """A YAML file of named models: `models: {teacher: {spec: ..., params: ...}, judge: openai:gpt-4o}`."""

    model_config = ConfigDict(extra="forbid")

    models: dict[str, ModelConfig]

    @field_validator("models", mode="before")
    @classmethod
    def _allow_bare_specs(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"spec": v} if isinstance(v, str) else v for k, v in value.items()}
        return value


def load_models_file(path: Path | str) -> dict[str, ModelConfig]:
    models = load_config(path, ModelsFile).models
    return {alias: cfg if cfg.name else cfg.model_copy(update={"name": alias}) for alias, cfg in models.items()}
