"""The student learns: the `train` and `eval` commands' wing.

A `TrainJob` (YAML and flags alike) becomes a run of the distilling trainer: SFT on teacher-written
data, or logit distillation from a live, cached or cross-tokenizer teacher, with an optional share
of on-policy batches the student writes itself (GKD), in one process or under a launcher. `evaluate`
measures a student on held-out data with the training code's own tokenisation.

This wing imports `signal` (losses, the teacher cache) and `common`, and nothing imports it but
the recipe and the CLI. The on-policy rules are the module `on_policy`. Names are imported on first
use (`distillscope.lazy`), so reading a job does not load torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillscope.lazy import lazy_exports

if TYPE_CHECKING:
    from distillscope.distill.training.evaluation import EvalJob, EvalReport, evaluate, write_report
    from distillscope.distill.training.job import LoraSettings, TrainJob, TrainSummary, train

__getattr__ = lazy_exports(
    __name__,
    {
        "evaluation": ("EvalJob", "EvalReport", "evaluate", "write_report"),
        "job": ("LoraSettings", "TrainJob", "TrainSummary", "train"),
    },
)

__all__ = ["EvalJob", "EvalReport", "LoraSettings", "TrainJob", "TrainSummary", "evaluate", "train", "write_report"]
