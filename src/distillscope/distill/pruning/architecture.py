"""Which models can be pruned, and the handful of sizes that pruning changes.

Pruning slices weight matrices by name, so it must know every parameter of a decoder layer. The
architectures here share one layout: token embeddings, decoder layers of RMS-normed grouped-query
attention (q/k/v/o projections, q/k/v biases in Qwen2) and a gated MLP (gate/up/down), a final
norm and a head that may be tied to the embeddings. Any other model gets one clear line before
its weights are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from distillscope.errors import DistillscopeError

SUPPORTED = ("llama", "mistral", "qwen2")


class UnsupportedArchitecture(DistillscopeError):
    """Pruning does not know this model's layout."""


@dataclass(frozen=True)
class Shape:
    """The sizes a pruned model may differ in; head_dim never changes, so rotary embeddings still fit."""

    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    head_dim: int
    layers: int

    @property
    def group(self) -> int:
        """Query heads per key/value head (1 for plain multi-head attention)."""
        return self.heads // self.kv_heads

    def describe(self) -> str:
        return (
            f"{self.layers} layers, hidden {self.hidden}, MLP {self.intermediate}, "
            f"{self.heads} heads / {self.kv_heads} KV heads of {self.head_dim}"
        )


def require_supported(config: Any) -> None:
    model_type = getattr(config, "model_type", "?")
    if model_type not in SUPPORTED:
        raise UnsupportedArchitecture(
            f"cannot prune a {model_type!r} model: prune supports {', '.join(SUPPORTED)}",
            hint="these share the layout pruning slices (grouped-query attention with q/k/v/o projections "
            "and a gated MLP)",
        )


def shape_of(config: Any) -> Shape:
    heads = int(config.num_attention_heads)
    kv_heads = int(getattr(config, "num_key_value_heads", None) or heads)
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    return Shape(
        hidden=int(config.hidden_size),
        intermediate=int(config.intermediate_size),
        heads=heads,
        kv_heads=kv_heads,
        head_dim=int(head_dim),
        layers=int(config.num_hidden_layers),
    )


def decoder(model: Any) -> Any:
    """The decoder stack (embeddings, layers, final norm) inside a causal LM."""
    return model.model


def parameter_count(model: Any) -> int:
    """Distinct parameters: a head tied to the embeddings counts once."""
    return sum(p.numel() for p in model.parameters())
