"""A model spec read into its parts: which backend reaches the model, and where.

A leaf module on purpose: the backends take a `ParsedSpec`, and the spec parser chooses among the
backends, so the shape they share must depend on neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from distillscope.models.providers import Provider


@dataclass(frozen=True)
class ParsedSpec:
    backend: str  # a name registered in `models.backends.BACKENDS`
    model: str  # provider model id, hf folder or repo, or the recorded model's name
    provider: Provider | None = None
    base_url: str | None = None
    revision: str | None = None
    location: str | None = None  # a backend's own address (the replay file)
