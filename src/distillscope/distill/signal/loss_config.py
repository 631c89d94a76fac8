"""Which KD loss a run uses, and the registry of divergences it is chosen from.

This module stays free of torch so that the CLI can list the losses in its help, and a config can
be validated, without loading a tensor library. Each registered divergence is a reference to a
function of (teacher log-probs, student log-probs) and the names of the `KDLoss` fields it takes as
keyword arguments; the function is imported only when a run needs it.

    LOSSES.register("my_div", DivergenceRef("my_pkg.kd:my_div", params=("beta",)), help="...")
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from distillscope.registry import Registry

if TYPE_CHECKING:
    from distillscope.distill.signal.losses import Divergence

LOGIT_BUDGET = 1 << 24  # logits per chunk: 64 MB in float32, whatever the vocabulary


@dataclass(frozen=True)
class DivergenceRef:
    """`module:function`, and the `KDLoss` fields passed to it by name."""

    target: str
    params: tuple[str, ...] = ()

    def resolve(self) -> Callable[..., Any]:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)


LOSSES: Registry[DivergenceRef] = Registry("KD loss")
_HERE = "distillscope.distill.signal.losses"
LOSSES.register("forward_kl", DivergenceRef(f"{_HERE}:forward_kl"), help="KL(teacher‖student), mass-covering")
LOSSES.register("reverse_kl", DivergenceRef(f"{_HERE}:reverse_kl"), help="KL(student‖teacher), mode-seeking")
LOSSES.register("jsd", DivergenceRef(f"{_HERE}:generalized_jsd", ("beta",)), help="generalized JSD(beta)")
LOSSES.register(
    "skew_forward_kl", DivergenceRef(f"{_HERE}:skew_forward_kl", ("alpha",)), help="skew KL(alpha), DistiLLM"
)
LOSSES.register("skew_reverse_kl", DivergenceRef(f"{_HERE}:skew_reverse_kl", ("alpha",)), help="skew reverse KL(alpha)")
LOSSES.register("tv", DivergenceRef(f"{_HERE}:total_variation"), help="total variation")
LOSSES.register(
    "uld", DivergenceRef(f"{_HERE}:sorted_l1"), help="ULD: L1 of sorted probabilities, needs no shared vocabulary"
)


class KDLoss(BaseModel):
    """How the student is pulled toward the teacher; YAML `loss:` and the train flags fill this."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("forward_kl", description="The divergence: one of the registered KD losses.")
    temperature: float = Field(1.0, gt=0, description="Softens both distributions before comparing them.")
    kd_weight: float = Field(
        0.5, ge=0, le=1, description="w in w*KD + (1-w)*CE; 1 is pure distillation, 0 is plain SFT."
    )
    beta: float = Field(0.5, gt=0, lt=1, description="Generalized JSD mixture weight.")
    alpha: float = Field(0.1, gt=0, lt=1, description="Skew KL mixture weight (DistiLLM uses 0.1).")
    scale_by_t_squared: bool = Field(
        True, description="Multiply the KD term by T^2 (Hinton) so its gradients keep their size as T grows."
    )
    chunk_size: int | None = Field(
        None, ge=1, description="Token positions per chunk; default: as many as fit 2^24 logits (64 MB in float32)."
    )

    @field_validator("name")
    @classmethod
    def _registered(cls, value: str) -> str:
        return LOSSES.check(value)

    def positions_per_chunk(self, vocab: int, with_teacher: bool = False) -> int:
        """A KD chunk holds about four vocab-sized tensors per position where cross-entropy holds one
        (both log-softmaxes and the divergence's terms), so it takes a quarter of the positions."""
        budget = LOGIT_BUDGET // (4 if with_teacher else 1)
        return self.chunk_size or max(16, budget // max(1, vocab))

    @property
    def kd_scale(self) -> float:
        return self.temperature**2 if self.scale_by_t_squared else 1.0

    def divergence(self) -> Divergence:
        ref = LOSSES.get(self.name)
        function = ref.resolve()
        if not ref.params:
            return function
        return functools.partial(function, **{param: getattr(self, param) for param in ref.params})
