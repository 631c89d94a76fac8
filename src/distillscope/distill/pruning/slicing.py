"""From importance to a smaller model: which structures stay, and the sliced weights that keep them.

Every layer keeps the same number of heads and neurons (one config describes them all), each layer
choosing its own by its own ranking. Embedding channels are chosen once for the whole model, since
the residual stream runs through every layer. Kept indices stay in their original order, so a plan
that removes nothing copies the model exactly.

Grouped-query attention is pruned consistently, in one of two units:
- `group`: whole KV groups go (a key/value head with all the query heads that read it), ranked by
  the sum of their query heads' importance; heads per group stay the same;
- `head`: every KV head stays and each group drops the same number of its least important query
  heads, so the query heads per group shrink evenly.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Literal

import torch

from distillscope.distill.pruning.architecture import Shape, UnsupportedArchitecture
from distillscope.distill.pruning.importance import Importance
from distillscope.errors import InputError

HeadUnit = Literal["group", "head"]
_LAYER = re.compile(r"^model\.layers\.(\d+)\.(.+)$")


@dataclass(frozen=True)
class Targets:
    """The sizes asked for; None keeps the original."""

    hidden: int | None = None
    intermediate: int | None = None
    heads: int | None = None
    layers: int | None = None
    head_unit: HeadUnit = "group"


@dataclass
class KeepPlan:
    """What survives, by original index: layers, and per kept layer its heads, KV heads and neurons."""

    shape: Shape
    layers: list[int]
    heads: dict[int, list[int]]
    kv_heads: dict[int, list[int]]
    neurons: dict[int, list[int]]
    channels: list[int]


def top(scores: list[float], count: int) -> list[int]:
    """Indices of the `count` highest scores, in their original order (ties: the earlier one)."""
    ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return sorted(ranked[:count])


def new_shape(shape: Shape, targets: Targets) -> Shape:
    """The pruned sizes, or an input error saying which target cannot be met and why."""
    heads = shape.heads if targets.heads is None else targets.heads
    checks = [
        ("hidden_size", targets.hidden, shape.hidden),
        ("intermediate_size", targets.intermediate, shape.intermediate),
        ("num_heads", targets.heads, shape.heads),
        ("num_layers", targets.layers, shape.layers),
    ]
    for name, wanted, original in checks:
        if wanted is not None and not 1 <= wanted <= original:
            raise InputError(f"{name} {wanted} is outside 1..{original} (the model's own {name})")
    if targets.head_unit == "group":
        if heads % shape.group:
            raise InputError(
                f"num_heads {heads} is not a whole number of KV groups of {shape.group} query heads",
                hint=f"choose a multiple of {shape.group}, or head_unit: head",
            )
        kv_heads = heads // shape.group
    else:
        if heads % shape.kv_heads:
            raise InputError(
                f"num_heads {heads} cannot be split evenly over {shape.kv_heads} KV heads",
                hint=f"choose a multiple of {shape.kv_heads}, or head_unit: group",
            )
        kv_heads = shape.kv_heads
    return Shape(
        hidden=targets.hidden or shape.hidden,
        intermediate=targets.intermediate or shape.intermediate,
        heads=heads,
        kv_heads=kv_heads,
        head_dim=shape.head_dim,
        layers=targets.layers or shape.layers,
    )


def _heads_to_keep(scores: list[float], old: Shape, new: Shape, unit: HeadUnit) -> tuple[list[int], list[int]]:
    """(query heads, KV heads) kept in one layer."""
    group = old.group
    if unit == "group":
        group_scores = [sum(scores[g * group : (g + 1) * group]) for g in range(old.kv_heads)]
        groups = top(group_scores, new.kv_heads)
        return [g * group + j for g in groups for j in range(group)], groups
    per_group = new.heads // old.kv_heads
    heads = [g * group + j for g in range(old.kv_heads) for j in top(scores[g * group : (g + 1) * group], per_group)]
    return heads, list(range(old.kv_heads))


def plan_keep(importance: Importance, old: Shape, targets: Targets) -> KeepPlan:
    new = new_shape(old, targets)
    layers = top(importance.layers, new.layers)
    heads, kv_heads, neurons = {}, {}, {}
    for layer in layers:
        heads[layer], kv_heads[layer] = _heads_to_keep(importance.heads[layer], old, new, targets.head_unit)
        neurons[layer] = top(importance.neurons[layer], new.intermediate)
    return KeepPlan(new, layers, heads, kv_heads, neurons, top(importance.channels, new.hidden))


def pruned_config(config: Any, plan: KeepPlan) -> Any:
    """The original config with the new sizes; per-layer settings follow the layers kept."""
    new = copy.deepcopy(config)
    shape = plan.shape
    new.hidden_size, new.intermediate_size = shape.hidden, shape.intermediate
    new.num_attention_heads, new.num_key_value_heads = shape.heads, shape.kv_heads
    new.head_dim, new.num_hidden_layers = shape.head_dim, shape.layers
    if getattr(config, "layer_types", None):
        new.layer_types = [config.layer_types[i] for i in plan.layers]
    if isinstance(getattr(config, "max_window_layers", None), int):
        new.max_window_layers = sum(i < config.max_window_layers for i in plan.layers)
    return new


def _rows(units: list[int], size: int) -> torch.Tensor:
    """The weight rows of whole heads (each `size` rows)."""
    return torch.tensor([u * size + k for u in units for k in range(size)], dtype=torch.long)


def _slice(tensor: torch.Tensor, rows: torch.Tensor | None, cols: torch.Tensor | None = None) -> torch.Tensor:
    if rows is not None:
        tensor = tensor.index_select(0, rows.to(tensor.device))
    if cols is not None:
        tensor = tensor.index_select(1, cols.to(tensor.device))
    return tensor


def _layer_parameter(name: str, tensor: torch.Tensor, layer: int, plan: KeepPlan, head_dim: int) -> torch.Tensor:
    channels = torch.tensor(plan.channels, dtype=torch.long)
    heads, kv = _rows(plan.heads[layer], head_dim), _rows(plan.kv_heads[layer], head_dim)
    neurons = torch.tensor(plan.neurons[layer], dtype=torch.long)
    part, _, kind = name.rpartition(".")
    matrix = kind == "weight" and tensor.dim() == 2
    by_part: dict[str, tuple[torch.Tensor | None, torch.Tensor | None]] = {
        "input_layernorm": (channels, None),
        "post_attention_layernorm": (channels, None),
        "self_attn.q_proj": (heads, channels),
        "self_attn.k_proj": (kv, channels),
        "self_attn.v_proj": (kv, channels),
        "self_attn.o_proj": (channels, heads),
        "mlp.gate_proj": (neurons, channels),
        "mlp.up_proj": (neurons, channels),
        "mlp.down_proj": (channels, neurons),
    }
    if part not in by_part:
        raise UnsupportedArchitecture(f"prune has no rule for the parameter {name!r}")
    rows, cols = by_part[part]
    return _slice(tensor, rows, cols if matrix else None)


def pruned_state(state: dict[str, torch.Tensor], names: list[str], plan: KeepPlan) -> dict[str, torch.Tensor]:
    """The new model's parameters (by name), each sliced from the original's."""
    channels = torch.tensor(plan.channels, dtype=torch.long)
    out = {}
    for name in names:
        match = _LAYER.match(name)
        if match:
            layer = plan.layers[int(match.group(1))]
            source = state[f"model.layers.{layer}.{match.group(2)}"]
            out[name] = _layer_parameter(match.group(2), source, layer, plan, plan.shape.head_dim)
        elif name in ("model.embed_tokens.weight", "lm_head.weight"):
            out[name] = _slice(state[name], None, channels)
        elif name == "model.norm.weight":
            out[name] = _slice(state[name], channels)
        else:
            raise UnsupportedArchitecture(f"prune has no rule for the parameter {name!r}")
    return {name: tensor.clone() for name, tensor in out.items()}


def build_pruned(model: Any, plan: KeepPlan) -> Any:
    """A new model of the pruned config holding the kept weights of `model`."""
    from transformers import AutoModelForCausalLM

    config = pruned_config(model.config, plan)
    dtype = next(model.parameters()).dtype
    small = AutoModelForCausalLM.from_config(config, dtype=dtype)
    names = list(small.state_dict())
    small.load_state_dict(pruned_state(model.state_dict(), names, plan), strict=True)
    small.generation_config = copy.deepcopy(model.generation_config)
    return small.to(next(model.parameters()).device).eval()
