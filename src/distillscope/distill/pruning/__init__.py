"""Minitron pruning: importance from activations, then width and depth pruning to a smaller model.

The `prune` command's wing. A calibration set is run through the model to rank heads, neurons,
embedding channels and layers; the least important are sliced out into a smaller model folder
that training (with the original as teacher) then heals.

This wing imports `signal` (the chunked projection that scores a layer's loss) and `common` (loading,
examples). Names are imported on first use (`distillscope.lazy`), so reading a job does not load
torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillscope.lazy import lazy_exports

if TYPE_CHECKING:
    from distillscope.distill.pruning.architecture import SUPPORTED, Shape, UnsupportedArchitecture
    from distillscope.distill.pruning.importance import Importance, ImportanceSettings, estimate_importance
    from distillscope.distill.pruning.job import PruneJob, PruneSummary, run_prune
    from distillscope.distill.pruning.slicing import KeepPlan, Targets, build_pruned, plan_keep

__getattr__ = lazy_exports(
    __name__,
    {
        "architecture": ("SUPPORTED", "Shape", "UnsupportedArchitecture"),
        "importance": ("Importance", "ImportanceSettings", "estimate_importance"),
        "job": ("PruneJob", "PruneSummary", "run_prune"),
        "slicing": ("KeepPlan", "Targets", "build_pruned", "plan_keep"),
    },
)

__all__ = [
    "SUPPORTED",
    "Importance",
    "ImportanceSettings",
    "KeepPlan",
    "PruneJob",
    "PruneSummary",
    "Shape",
    "Targets",
    "UnsupportedArchitecture",
    "build_pruned",
    "estimate_importance",
    "plan_keep",
    "run_prune",
]
