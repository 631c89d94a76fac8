"""Model specs: the short strings that name a model, and the factory that builds it.

    openai:gpt-4o-mini              a known provider and its model
    hf:./models/student             a local Hugging Face folder (hf:org/name@rev for the hub)
    replay:answers.jsonl#gpt-4o     responses recorded elsewhere, replayed
    http://127.0.0.1:8080/v1#name   any OpenAI-compatible server
    teacher                         a name from the model catalog (--models, or `models:` in a job)

Which backend a spec reaches comes from the backend registry (`backends.py`), whose factories
import their backend only when a model is built, so naming an API model never loads torch.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from distillscope.errors import ModelSpecError
from distillscope.models.backends import BACKENDS, build_backend, prefixed_backends
from distillscope.models.config import ModelConfig
from distillscope.models.parsed_spec import ParsedSpec
from distillscope.models.providers import ALIASES, GENERIC_URL, PROVIDERS, find_provider

if TYPE_CHECKING:
    from distillscope.models.base import ChatModel

__all__ = ["ParsedSpec", "get_model", "parse_spec", "spec_forms"]


def spec_forms() -> str:
    forms = [entry.value.form for entry in BACKENDS.items() if entry.value.form]
    return ", ".join([*forms, "or a name from --models"])


def parse_spec(spec: str) -> ParsedSpec:
    spec = spec.strip()
    if spec.startswith(("http://", "https://")):
        url, sep, model = spec.partition("#")
        if not sep or not model:
            raise ModelSpecError(f"model spec {spec!r} names no model", hint="expected http(s)://HOST/v1#MODEL_NAME")
        return ParsedSpec("openai", model, GENERIC_URL, url.rstrip("/"))
    prefix, sep, rest = spec.partition(":")
    if not sep or not prefix or not rest:
        raise ModelSpecError(f"cannot read model spec {spec!r}", hint=f"expected {spec_forms()}")
    if prefix.lower() in prefixed_backends():
        name = prefix.lower()
        return BACKENDS.get(name).parse(name, rest)
    provider = find_provider(prefix)
    if provider is None:
        raise ModelSpecError(f"unknown provider {prefix!r} in model spec {spec!r}", hint=_provider_hint(prefix))
    return ParsedSpec("openai", rest, provider, provider.base_url)


def _provider_hint(name: str) -> str:
    known = sorted([*PROVIDERS, *ALIASES, *prefixed_backends()])
    close = difflib.get_close_matches(name.lower(), known, n=1)
    suggestion = f"did you mean {close[0]!r}? " if close else ""
    backends = ", ".join(prefixed_backends())
    return f"{suggestion}known providers: {', '.join(sorted(PROVIDERS))}; other backends: {backends}"


def get_model(spec_or_config: str | ModelConfig) -> ChatModel:
    """Build the backend for a spec. Keys and folders are checked here, before any call is made.

    Names from a model catalog are resolved before this (`ModelCatalog.resolve`): this takes a spec.
    """
    config = spec_or_config if isinstance(spec_or_config, ModelConfig) else ModelConfig(spec=spec_or_config)
    return build_backend(config, parse_spec(config.spec))
