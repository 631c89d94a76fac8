"""How much each structure of a model matters, measured from its activations on calibration text.

Minitron's estimates need only forward passes (no gradients), through hooks on the model as it is:
- an attention head: the L2 norm of its output (before the output projection), per token;
- an MLP neuron: the magnitude of its activation (the input of the down projection), per token;
- an embedding channel: the magnitude of that channel in every RMSNorm output, summed over norms;
- a whole layer: the rise in LM loss when it is skipped, or the cosine distance between the
  layer's input and output (a block that barely changes its input can go). The loss measure costs
  one more pass over the calibration set per layer (31 passes for SmolLM2's 30 layers), so it is
  taken only when layers are cut; a width-only cut keeps every layer whatever their scores, and
  reports the cosine measure, which the main pass gives for free.

Per-token values are aggregated over the sequence (mean by default, or L2) and then over the batch
(L2 by default, or mean); Minitron found mean-over-sequence with L2-over-batch the best for width.
Padding never counts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field

from distillscope.distill.common.dataset import IGNORE
from distillscope.distill.common.loading import vocab_rows
from distillscope.distill.pruning.architecture import decoder, shape_of
from distillscope.distill.signal.chunked import agreement_sums, output_head

Tensor = torch.Tensor
Batch = dict[str, Tensor]


class ImportanceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq_aggregation: Literal["mean", "l2"] = Field("mean", description="How per-token values combine in a sample.")
    batch_aggregation: Literal["l2", "mean"] = Field("l2", description="How per-sample values combine.")
    layer_metric: Literal["loss", "cosine"] = Field(
        "loss", description="Layer importance: LM loss rise when skipped, or 1 - cos(input, output)."
    )


@dataclass
class Importance:
    """Higher is more important, everywhere. Lists are indexed by the original model's positions."""

    heads: list[list[float]]
    neurons: list[list[float]]
    channels: list[float]
    layers: list[float]
    layer_metric: str
    baseline_loss: float
    samples: int
    tokens: int


@dataclass
class _Sums:
    """Running batch aggregates, one tensor per named structure."""

    squared: bool
    totals: dict[str, Tensor] = field(default_factory=dict)

    def add(self, name: str, per_sample: Tensor) -> None:
        value = (per_sample.double() ** 2 if self.squared else per_sample.double()).sum(0).cpu()
        self.totals[name] = self.totals[name] + value if name in self.totals else value

    def final(self, name: str, samples: int) -> Tensor:
        total = self.totals[name]
        return total.sqrt() if self.squared else total / max(1, samples)


def over_sequence(values: Tensor, mask: Tensor, how: str) -> Tensor:
    """[batch, seq, C] per-token values → [batch, C], over the unpadded positions only."""
    weights = mask.to(values.dtype).unsqueeze(-1)
    if how == "l2":
        return ((values**2) * weights).sum(1).sqrt()
    return (values * weights).sum(1) / weights.sum(1).clamp(min=1)


def lm_loss_sums(model: Any, batch: Batch) -> tuple[float, int]:
    """Summed next-token NLL over the labelled positions, and their count (chunked over the vocab)."""
    out = decoder(model)(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False)
    mask = batch["labels"][:, 1:] != IGNORE
    hidden = out.last_hidden_state[:, :-1][mask]
    targets = batch["labels"][:, 1:][mask]
    vocab = vocab_rows(model)
    sums = agreement_sums(hidden, output_head(model, vocab), targets, None, vocab)
    return sums.nll, sums.tokens


class _Recorder:
    """Hooks that turn one forward pass into importance sums for heads, neurons, channels, layers."""

    def __init__(self, model: Any, settings: ImportanceSettings) -> None:
        self.model, self.settings = model, settings
        self.shape = shape_of(model.config)
        self.sums = _Sums(squared=settings.batch_aggregation == "l2")
        self.layer_distance = torch.zeros(self.shape.layers, dtype=torch.float64)
        self.mask: Tensor | None = None
        self.handles: list[Any] = []

    def __enter__(self) -> _Recorder:
        layers = decoder(self.model).layers
        for index, layer in enumerate(layers):
            self._hook_pre(layer.self_attn.o_proj, f"heads.{index}", self._head_values)
            self._hook_pre(layer.mlp.down_proj, f"neurons.{index}", torch.abs)
            for norm in (layer.input_layernorm, layer.post_attention_layernorm):
                self.handles.append(norm.register_forward_hook(self._channel_hook))
            self.handles.append(layer.register_forward_hook(self._layer_hook(index), with_kwargs=True))
        self.handles.append(decoder(self.model).norm.register_forward_hook(self._channel_hook))
        return self

    def __exit__(self, *_: object) -> None:
        for handle in self.handles:
            handle.remove()

    def _head_values(self, x: Tensor) -> Tensor:
        """Per token and head, the norm of the head's output: [b, s, heads*dim] → [b, s, heads]."""
        return x.unflatten(-1, (-1, self.shape.head_dim)).norm(dim=-1)

    def _aggregate(self, name: str, per_token: Tensor) -> None:
        assert self.mask is not None
        self.sums.add(name, over_sequence(per_token.float(), self.mask, self.settings.seq_aggregation))

    def _hook_pre(self, module: Any, name: str, values: Callable[[Tensor], Tensor]) -> None:
        def hook(_: Any, args: tuple[Tensor, ...]) -> None:
            self._aggregate(name, values(args[0]))

        self.handles.append(module.register_forward_pre_hook(hook))

    def _channel_hook(self, _: Any, __: Any, output: Tensor) -> None:
        self._aggregate("channels", output.abs())

    def _layer_hook(self, index: int) -> Callable[..., None]:
        def hook(_: Any, args: tuple[Tensor, ...], kwargs: dict[str, Any], output: Any) -> None:
            before = args[0] if args else kwargs["hidden_states"]
            after = output[0] if isinstance(output, tuple) else output
            distance = 1 - torch.nn.functional.cosine_similarity(before.float(), after.float(), dim=-1)
            assert self.mask is not None
            self.layer_distance[index] += float((distance * self.mask).sum())

        return hook


def _skipping(model: Any, index: int) -> Any:
    """A hook that makes one decoder layer pass its input through unchanged."""

    def hook(_: Any, args: tuple[Tensor, ...], kwargs: dict[str, Any], output: Any) -> Any:
        before = args[0] if args else kwargs["hidden_states"]
        return (before, *output[1:]) if isinstance(output, tuple) else before

    return decoder(model).layers[index].register_forward_hook(hook, with_kwargs=True)


def _mean_loss(model: Any, batches: Sequence[Batch]) -> float:
    nll, tokens = 0.0, 0
    for batch in batches:
        batch_nll, batch_tokens = lm_loss_sums(model, batch)
        nll, tokens = nll + batch_nll, tokens + batch_tokens
    return nll / max(1, tokens)


@torch.no_grad()
def estimate_importance(
    model: Any,
    batches: Sequence[Batch],
    settings: ImportanceSettings,
    on_batch: Callable[[int], None] | None = None,
    cuts_layers: bool = True,
) -> Importance:
    """Every importance from one pass over the calibration batches (plus one per layer for `loss`, when
    layers are to be cut)."""
    model.eval()
    samples = tokens = 0
    nll, loss_tokens = 0.0, 0
    with _Recorder(model, settings) as recorder:
        for batch in batches:
            recorder.mask = batch["attention_mask"]
            batch_nll, batch_tokens = lm_loss_sums(model, batch)
            nll, loss_tokens = nll + batch_nll, loss_tokens + batch_tokens
            samples += int(batch["input_ids"].shape[0])
            tokens += int(batch["attention_mask"].sum())
            if on_batch is not None:
                on_batch(1)
    baseline = nll / max(1, loss_tokens)
    shape = recorder.shape
    layer_metric = layer_measure(settings, cuts_layers)
    if layer_metric == "loss":
        layers = []
        for index in range(shape.layers):
            handle = _skipping(model, index)
            try:
                layers.append(_mean_loss(model, batches) - baseline)
            finally:
                handle.remove()
            if on_batch is not None:
                on_batch(len(batches))
    else:
        layers = (recorder.layer_distance / max(1, tokens)).tolist()
    final = recorder.sums.final
    return Importance(
        heads=[final(f"heads.{i}", samples).tolist() for i in range(shape.layers)],
        neurons=[final(f"neurons.{i}", samples).tolist() for i in range(shape.layers)],
        channels=final("channels", samples).tolist(),
        layers=layers,
        layer_metric=layer_metric,
        baseline_loss=baseline,
        samples=samples,
        tokens=tokens,
    )


def layer_measure(settings: ImportanceSettings, cuts_layers: bool) -> str:
    """The layer measure taken: the one asked for, but never the costly loss one when no layer goes."""
    return settings.layer_metric if cuts_layers else "cosine"
