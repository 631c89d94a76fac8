"""Model backends by name: each a lazy factory, so naming an API model never loads torch.

A backend turns a `ModelConfig` and its parsed spec into a `ChatModel`. The factories import their
backend inside, and an optional dependency that is missing becomes one line with the install
command, not an ImportError at start-up. Adding a provider of a new kind is one module with a
`ChatModel` subclass and one `BACKENDS.register` call here; `spec.py` reads the registry to know
which `NAME:` prefixes are backends.

    openai   every OpenAI-compatible endpoint (providers, http(s)://HOST/v1#MODEL)
    hf       a local Hugging Face model in this process (hf:./folder, hf:org/name@rev)
    replay   recorded responses from a JSONL file (replay:answers.jsonl#MODEL)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from distillscope.errors import DistillscopeError, ModelSpecError
from distillscope.models.config import ModelConfig
from distillscope.models.parsed_spec import ParsedSpec
from distillscope.registry import Registry

if TYPE_CHECKING:
    from distillscope.models.base import ChatModel

BackendFactory = Callable[[ModelConfig, ParsedSpec], "ChatModel"]


class MissingDependencyError(DistillscopeError):
    """A backend's optional dependency is not installed."""


def _plain_address(backend: str, rest: str) -> ParsedSpec:
    return ParsedSpec(backend, rest)


@dataclass(frozen=True)
class Backend:
    factory: BackendFactory
    prefix: bool = True  # reached as `NAME:...`; the openai backend is reached through provider names instead
    form: str = ""  # how a spec of this backend is written, for help and errors
    parse: Callable[[str, str], ParsedSpec] = _plain_address  # (backend name, text after `NAME:`)


BACKENDS: Registry[Backend] = Registry("model backend")


def _requires(package: str, extra: str) -> MissingDependencyError:
    return MissingDependencyError(
        f"this model needs the Python package {package!r}, which is not installed",
        hint=f"pip install {extra}",
    )


def _openai(config: ModelConfig, parsed: ParsedSpec) -> ChatModel:
    try:
        from distillscope.models.openai_compat import OpenAICompatModel
    except ImportError as exc:
        raise _requires("openai", "'openai>=1.50'") from exc
    return OpenAICompatModel(config, parsed)


def _hf(config: ModelConfig, parsed: ParsedSpec) -> ChatModel:
    try:
        from distillscope.models.hf_local import HFLocalModel
    except ImportError as exc:
        raise _requires("torch/transformers", "torch transformers") from exc
    return HFLocalModel(config, parsed)


def _replay(config: ModelConfig, parsed: ParsedSpec) -> ChatModel:
    from distillscope.models.replay import ReplayModel

    return ReplayModel(config, parsed)


def _hf_address(backend: str, rest: str) -> ParsedSpec:
    path, _, revision = rest.partition("@")
    return ParsedSpec(backend, path, revision=revision or None)


def _replay_address(backend: str, rest: str) -> ParsedSpec:
    path, _, model = rest.rpartition("#")
    if not path or not model:
        raise ModelSpecError(
            f"replay spec {backend}:{rest!r} names no model", hint="expected replay:FILE.jsonl#MODEL (a `model` value)"
        )
    return ParsedSpec(backend, model, location=path)


BACKENDS.register(
    "openai",
    Backend(_openai, prefix=False, form="PROVIDER:MODEL or http(s)://HOST/v1#MODEL"),
    help="OpenAI-compatible endpoints",
)
BACKENDS.register(
    "hf", Backend(_hf, form="hf:PATH_OR_REPO[@REVISION]", parse=_hf_address), help="local Hugging Face models"
)
BACKENDS.register(
    "replay", Backend(_replay, form="replay:FILE.jsonl#MODEL", parse=_replay_address), help="recorded responses"
)


def build_backend(config: ModelConfig, parsed: ParsedSpec) -> ChatModel:
    return BACKENDS.get(parsed.backend).factory(config, parsed)


def prefixed_backends() -> list[str]:
    """Backend names written as a spec's prefix (`hf:`, `replay:`)."""
    return [entry.name for entry in BACKENDS.items() if entry.value.prefix]
