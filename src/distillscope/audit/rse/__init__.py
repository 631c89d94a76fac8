"""RSE, response similarity evaluation: how much do a target's responses resemble the reference's?

The reference model and every target answer the same prompts (three domains, as in the paper);
judges rate each target response against the reference's; each domain's mean, with a bootstrap CI,
and the unweighted mean of the domains make the paper's Table 3. Beyond the paper: several judges
side by side (LLM, embedding, lexical, style), their agreement, both presentation orders, a
ceiling (the reference against a second sample of itself) and a floor (an unrelated model).

Its public names are imported on first use (`distillscope.lazy`), so reading a job does not load
the runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillscope.lazy import lazy_exports

if TYPE_CHECKING:
    from distillscope.audit.rse.job import RSEJob
    from distillscope.audit.rse.plan import RSEPlan, plan_rse
    from distillscope.audit.rse.results import RSEResults, load_results, write_results
    from distillscope.audit.rse.runner import run_rse

__getattr__ = lazy_exports(
    __name__,
    {
        "job": ("RSEJob",),
        "plan": (
            "RSEPlan",
            "plan_rse",
        ),
        "results": (
            "RSEResults",
            "load_results",
            "write_results",
        ),
        "runner": ("run_rse",),
    },
)

__all__ = ["RSEJob", "RSEPlan", "RSEResults", "load_results", "plan_rse", "run_rse", "write_results"]
