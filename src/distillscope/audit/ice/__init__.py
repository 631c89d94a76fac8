"""ICE, identity consistency evaluation: does a model, pushed by jailbreak templates, say it is another?

A GPTFuzz-style fuzzer mutates seed templates, asks identity questions through them, and judges
whether the target claims another family's identity (loose) or a source family's (strict, hard).

Its public names are imported on first use (`distillscope.lazy`), so reading a job does not load
the runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillscope.lazy import lazy_exports

if TYPE_CHECKING:
    from distillscope.audit.ice.job import ICEJob, ResolvedJob, resolve_job
    from distillscope.audit.ice.judging import JudgeFileSummary, judge_file, make_identity_judge
    from distillscope.audit.ice.questions import CATEGORIES, IdentityQuestion, builtin_questions, load_questions
    from distillscope.audit.ice.results import (
        ICEQuery,
        ICEResults,
        ICEScores,
        ICETargetResult,
        load_results,
        write_results,
    )
    from distillscope.audit.ice.runner import plan_ice, run_ice
    from distillscope.audit.ice.scores import score_queries
    from distillscope.audit.ice.templates import SeedTemplate, builtin_templates, load_templates

__getattr__ = lazy_exports(
    __name__,
    {
        "job": (
            "ICEJob",
            "ResolvedJob",
            "resolve_job",
        ),
        "judging": (
            "JudgeFileSummary",
            "judge_file",
            "make_identity_judge",
        ),
        "questions": (
            "CATEGORIES",
            "IdentityQuestion",
            "builtin_questions",
            "load_questions",
        ),
        "results": (
            "ICEQuery",
            "ICEResults",
            "ICEScores",
            "ICETargetResult",
            "load_results",
            "write_results",
        ),
        "runner": (
            "plan_ice",
            "run_ice",
        ),
        "scores": ("score_queries",),
        "templates": (
            "SeedTemplate",
            "builtin_templates",
            "load_templates",
        ),
    },
)

__all__ = [
    "CATEGORIES",
    "ICEJob",
    "ICEQuery",
    "ICEResults",
    "ICEScores",
    "ICETargetResult",
    "IdentityQuestion",
    "JudgeFileSummary",
    "ResolvedJob",
    "SeedTemplate",
    "builtin_questions",
    "builtin_templates",
    "judge_file",
    "load_questions",
    "load_results",
    "load_templates",
    "make_identity_judge",
    "plan_ice",
    "resolve_job",
    "run_ice",
    "score_queries",
    "write_results",
]
