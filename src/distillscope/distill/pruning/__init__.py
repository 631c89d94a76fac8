"""Minitron pruning: importance from activations, then width and depth pruning to a smaller model."""

from distillscope.distill.pruning.architecture import SUPPORTED, Shape, UnsupportedArchitecture
from distillscope.distill.pruning.importance import Importance, ImportanceSettings, estimate_importance
from distillscope.distill.pruning.job import PruneJob, PruneSummary, run_prune
from distillscope.distill.pruning.slicing import KeepPlan, Targets, build_pruned, plan_keep

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
