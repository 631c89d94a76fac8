"""The training objective and its gradient in one pass over the vocabulary, chunk by chunk.

The checkpointed path in chunked.py projects every chunk to the vocabulary three times per step:
once in the forward pass, once more when the backward pass recomputes it, and a third time
(as two matrix products) for the gradients of the hidden states and of the head. At a 152k
vocabulary on a small model, those projections and the elementwise work on [positions, vocab]
tensors are nearly all of a KD step. Here each chunk is projected once: its loss and the
gradient of that loss with respect to its logits are computed together (autograd on the
chunk's own small graph, so every registered divergence and the top-k bins work unchanged),
and the gradients for the hidden states and the head weight are accumulated right away. The
backward pass then only scales what was stored. This is how fused linear cross-entropy
kernels work; trl's chunked divergence does the same for its closed-form gradients.

It applies when the student's output head is a plain linear layer (`LinearHead`). Anything
else (an adapter on the head, say) falls back to the checkpointed path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

Tensor = torch.Tensor
# (logits, lo, hi) -> (kd sum, ce sum, d(objective)/d(logits) where known in closed form, else None)
ChunkTerms = Callable[[Tensor, int, int], tuple[Tensor, Tensor, Tensor | None]]


@dataclass(frozen=True)
class LinearHead:
    """A model's projection to the vocabulary as plain tensors, sliced to a shared vocab, in float32.

    Soft-capping and logit scaling are applied where the architecture has them (Gemma 2, Cohere), so
    the logits equal the ones the model's own forward would give. Calling it is differentiable, as
    an ordinary layer would be; the fused objective uses `raw` and `finish` separately.
    """

    weight: Tensor
    bias: Tensor | None
    vocab: int
    scale: float | None = None
    softcap: float | None = None

    def __call__(self, hidden: Tensor) -> Tensor:
        bias = None if self.bias is None else self.bias[: self.vocab]
        return self.finish(widen(torch.nn.functional.linear(hidden, self.weight[: self.vocab], bias)))

    def raw(self, hidden: Tensor, rows: Tensor | None = None) -> Tensor:
        """hidden @ W^T (+ b) in float32 at least, without a graph; `rows` is W already in the compute
        dtype (cast once per step rather than once per chunk)."""
        dtype = compute_dtype(hidden)
        rows = self.weight[: self.vocab].to(dtype) if rows is None else rows
        with torch.no_grad():
            out = widen(hidden.to(dtype) @ rows.t())
            if self.bias is not None:
                out += self.bias[: self.vocab].to(out.dtype)
        return out

    def finish(self, logits: Tensor) -> Tensor:
        if self.scale is not None:
            logits = logits * self.scale
        if self.softcap:
            logits = torch.tanh(logits / self.softcap) * self.softcap
        return logits


def widen(x: Tensor) -> Tensor:
    """float32 at least: bf16 logits are widened, float64 ones (tests) kept."""
    return x.to(torch.promote_types(x.dtype, torch.float32))


def compute_dtype(hidden: Tensor) -> torch.dtype:
    """The dtype matrix products run in: autocast's where it is on (bf16 training), else the input's."""
    device = hidden.device.type
    return torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else hidden.dtype


def _add_product(out: Tensor, a: Tensor, b: Tensor) -> None:
    """out += a @ b, in place where the dtypes allow (float32); a bf16 product is accumulated in float32."""
    if a.dtype == out.dtype:
        out.addmm_(a, b)
    else:
        out += (a @ b).to(out.dtype)


class _FusedObjective(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        hidden: Tensor,
        weight: Tensor,
        bias: Tensor | None,
        head: LinearHead,
        terms: ChunkTerms,
        step: int,
        kd_coef: float,
        ce_coef: float,
    ) -> tuple[Tensor, Tensor, Tensor]:
        positions, vocab = hidden.shape[0], head.vocab
        dtype = compute_dtype(hidden)
        wide = torch.promote_types(dtype, torch.float32)  # gradients accumulate in float32 at least
        grad_hidden = torch.zeros(hidden.shape, dtype=wide, device=hidden.device)
        grad_weight = torch.zeros(weight.shape, dtype=wide, device=weight.device) if weight.requires_grad else None
        grad_bias = None
        if bias is not None and bias.requires_grad:
            grad_bias = torch.zeros(bias.shape, dtype=wide, device=bias.device)
        kd_total = hidden.new_zeros((), dtype=wide)
        ce_total = hidden.new_zeros((), dtype=wide)
        rows = weight[:vocab].detach().to(dtype)
        for lo in range(0, positions, step):
            hi = min(lo + step, positions)
            chunk = hidden[lo:hi].to(dtype)
            raw = head.raw(chunk, rows).requires_grad_(True)
            with torch.enable_grad():
                logits = head.finish(raw)
                kd, ce, grad_logits = terms(logits, lo, hi)
                objective = kd_coef * kd + ce_coef * ce
                if grad_logits is not None:
                    grad_raw = grad_logits if logits is raw else torch.autograd.grad(logits, raw, grad_logits)[0]
                elif objective.requires_grad:
                    (grad_raw,) = torch.autograd.grad(objective, raw)
                else:
                    grad_raw = None
            if grad_raw is not None:
                grad_chunk = grad_raw.to(dtype)
                grad_hidden[lo:hi] = grad_chunk @ rows
                if grad_weight is not None:
                    _add_product(grad_weight[:vocab], grad_chunk.t(), chunk)
                if grad_bias is not None:
                    grad_bias[:vocab] += grad_raw.sum(0).to(wide)
            kd_total += kd.detach()
            ce_total += ce.detach()
        ctx.save_for_backward(grad_hidden, grad_weight, grad_bias)
        ctx.dtypes = hidden.dtype, weight.dtype, None if bias is None else bias.dtype
        objective_total = kd_coef * kd_total + ce_coef * ce_total
        ctx.mark_non_differentiable(kd_total, ce_total)
        return objective_total, kd_total, ce_total

    @staticmethod
    def backward(ctx: Any, grad_objective: Tensor, *_: Tensor) -> tuple[Tensor | None, ...]:
        grad_hidden, grad_weight, grad_bias = ctx.saved_tensors
        hidden_dtype, weight_dtype, bias_dtype = ctx.dtypes
        scale = grad_objective.to(grad_hidden.dtype)
        out_hidden = (grad_hidden * scale).to(hidden_dtype) if ctx.needs_input_grad[0] else None
        out_weight = (grad_weight * scale).to(weight_dtype) if grad_weight is not None else None
        out_bias = (grad_bias * scale).to(bias_dtype) if grad_bias is not None else None
        return out_hidden, out_weight, out_bias, None, None, None, None, None


def fused_objective(
    hidden: Tensor, head: LinearHead, terms: ChunkTerms, step: int, kd_coef: float, ce_coef: float
) -> tuple[Tensor, Tensor, Tensor]:
    """kd_coef * KD + ce_coef * CE summed over positions, with KD and CE sums beside it (no gradient)."""
    return _FusedObjective.apply(hidden, head.weight, head.bias, head, terms, step, kd_coef, ce_coef)
