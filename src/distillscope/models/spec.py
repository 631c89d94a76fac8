"""Model specs: the short strings that name a model, and the factory that builds it.

    openai:gpt-4o-mini              a known provider and its model
    hf:./models/student             a local Hugging Face folder (hf:org/name@rev for the hub)
    http://127.0.0.1:8080/v1#name   any OpenAI-compatible server
    teacher                         an alias from a models YAML file

Backends are imported inside the factory, so naming an API model never loads torch.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from distillscope.errors import ModelSpecError
from distillscope.models.config import ModelConfig, load_models_file
from distillscope.models.providers import ALIASES, GENERIC_URL, PROVIDERS, Provider, find_provider

if TYPE_CHECKING:
    from distillscope.models.base import ChatModel

SPEC_FORMS = "PROVIDER:MODEL, hf:PATH_OR_REPO, http(s)://HOST/v1#MODEL or an alias from --models"


@dataclass(frozen=True)
class ParsedSpec:
    backend: Literal["openai", "hf"]
    model: str
    provider: Provider | None = None
    base_url: str | None = None
    revision: str | None = None


def parse_spec(spec: str) -> ParsedSpec:
    spec = spec.strip()
    if spec.startswith(("http://", "https://")):
        url, sep, model = spec.partition("#")
        if not sep or not model:
            raise ModelSpecError(f"model spec {spec!r} names no model", hint="expected http(s)://HOST/v1#MODEL_NAME")
        return ParsedSpec("openai", model, GENERIC_URL, url.rstrip("/"))
    prefix, sep, rest = spec.partition(":")
    if not sep or not prefix or not rest:
        raise ModelSpecError(f"cannot read model spec {spec!r}", hint=f"expected {SPEC_FORMS}")
    if prefix.lower() == "hf":
        path, _, revision = rest.partition("@")
        return ParsedSpec("hf", path, revision=revision or None)
    provider = find_provider(prefix)
    if provider is None:
        raise ModelSpecError(f"unknown provider {prefix!r} in model spec {spec!r}", hint=_provider_hint(prefix))
    return ParsedSpec("openai", rest, provider, provider.base_url)


def _provider_hint(name: str) -> str:
    known = sorted([*PROVIDERS, *ALIASES, "hf"])
    close = difflib.get_close_matches(name.lower(), known, n=1)
    suggestion = f"did you mean {close[0]!r}? " if close else ""
    return f"{suggestion}known providers: {', '.join(sorted(PROVIDERS))}, hf"


def resolve_config(spec_or_alias: str | ModelConfig, models_file: Path | str | None = None) -> ModelConfig:
    """A ModelConfig for a spec, or for an alias defined in a models file."""
    if isinstance(spec_or_alias, ModelConfig):
        return spec_or_alias
    if models_file is not None:
        models = load_models_file(models_file)
        if spec_or_alias in models:
            return models[spec_or_alias]
        if ":" not in spec_or_alias:
            raise ModelSpecError(
                f"no model named {spec_or_alias!r} in {models_file}",
                hint=f"defined there: {', '.join(models) or 'none'}",
            )
    return ModelConfig(spec=spec_or_alias)


def get_model(spec_or_config: str | ModelConfig, models_file: Path | str | None = None) -> ChatModel:
    """Build the backend for a spec. Keys and folders are checked here, before any call is made."""
    config = resolve_config(spec_or_config, models_file)
    parsed = parse_spec(config.spec)
    if parsed.backend == "hf":
        from distillscope.models.hf_local import HFLocalModel

        return HFLocalModel(config, parsed)
    from distillscope.models.openai_compat import OpenAICompatModel

    return OpenAICompatModel(config, parsed)
