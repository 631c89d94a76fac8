"""The teacher writes the training data (black-box distillation): the `generate` command's wing.

Seed prompts, optionally expanded into new tasks by the teacher, are answered by the teacher
through the run store; each answer passes the filters (empty, refusal, length, language, a
checkable answer, near-duplicates, an optional quality judge) or is dropped with its reason. The
dry run prices the same calls before any is made.

This wing imports no other wing of `distill/`: it speaks to models through the model layer only,
never loads weights itself. Names are imported on first use (`distillscope.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillscope.lazy import lazy_exports

if TYPE_CHECKING:
    from distillscope.distill.generation.expand import ExpandSettings, ExpandStats, expand_tasks
    from distillscope.distill.generation.filters import FilterSettings, check_response
    from distillscope.distill.generation.generate import GenerateJob, GenerateSummary, generate_data
    from distillscope.distill.generation.generate_plan import GeneratePlan, plan_generate

__getattr__ = lazy_exports(
    __name__,
    {
        "expand": ("ExpandSettings", "ExpandStats", "expand_tasks"),
        "filters": ("FilterSettings", "check_response"),
        "generate": ("GenerateJob", "GenerateSummary", "generate_data"),
        "generate_plan": ("GeneratePlan", "plan_generate"),
    },
)

__all__ = [
    "ExpandSettings",
    "ExpandStats",
    "FilterSettings",
    "GenerateJob",
    "GeneratePlan",
    "GenerateSummary",
    "check_response",
    "expand_tasks",
    "generate_data",
    "plan_generate",
]
