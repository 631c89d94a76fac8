"""`run_audit`: every selected method on every target against the reference, then one folder and report.

    results = await run_audit(AuditJob(reference="openai:gpt-4o", targets=["deepseek:deepseek-chat"]), store)

The audit composes its methods rather than reimplementing them: each method runs as its own command
would, on the same store, with its own cache, resume and files in a folder named after it. An
`audit` run in the store ties the methods' runs together under one id. The runner knows methods only
through the registry: it resolves the job once, hands each method the resolved audit and its own
section of the job, and collects their evidence. `plan_audit` is the dry run: every method's plan,
nothing called.
"""

from __future__ import annotations

import platform
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from distillscope import __version__
from distillscope.audit.job import AuditJob
from distillscope.audit.method import METHODS, Hooks, MethodPlan, verdict_signals, voting_methods
from distillscope.audit.resolve import ATTRIBUTION_METHODS, ResolvedAudit, resolve_audit
from distillscope.audit.results import REPORT_FILE, AuditResults, StageRecord, write_results
from distillscope.audit.verdict.groundtruth import check_shares, true_share
from distillscope.audit.verdict.verdicts import VerdictReport, decide
from distillscope.fileio.paths import check_output_folder, job_inputs
from distillscope.models.plan import CallPlan, merge_by_model, total_cost
from distillscope.models.run import Run
from distillscope.store import RunStore


# ------------------------------------------------------------------------------------------ dry run
@dataclass
class AuditPlan:
    """Every selected method's planned calls. Nothing is called to make it."""

    methods: dict[str, MethodPlan]
    warnings: list[str]

    def rows(self) -> list[tuple[str, CallPlan]]:
        return [(name, call) for name, plan in self.methods.items() for call in plan.calls]

    def by_model(self) -> list[CallPlan]:
        """One plan per model, over every method and role."""
        return merge_by_model(call for _, call in self.rows())

    @property
    def calls(self) -> int:
        return sum(p.calls for _, p in self.rows())

    @property
    def cached(self) -> int:
        return sum(p.cached for _, p in self.rows())

    @property
    def cost_usd(self) -> float | None:
        return total_cost(p for _, p in self.rows())


def plan_audit(job: AuditJob, store: RunStore) -> AuditPlan:
    audit = resolve_audit(job)
    plans = {name: METHODS.get(name).plan(audit, job.section(name), store) for name in job.selected_methods()}
    return AuditPlan(plans, [*audit.warnings, *(w for plan in plans.values() for w in plan.warnings)])


# ---------------------------------------------------------------------------------------------- run
async def run_audit(job: AuditJob, store: RunStore, hooks: Hooks | None = None) -> AuditResults:
    """Run every selected method; write results.json, the CSV tables and report.html when `job.output` is set."""
    hooks = hooks or Hooks()
    started, created_at = time.monotonic(), _now()
    audit = resolve_audit(job)
    if job.output is not None:
        check_output_folder(job.output, inputs=job_inputs(job))  # before the work, not when the report is written
    results = AuditResults(
        title=job.report_title,
        run_id="",
        created_at=created_at,
        seconds=0.0,
        reference=audit.reference,
        targets=audit.targets,
        sources=audit.sources,
        source_names=audit.source_names,
        methods=job.selected_methods(),
        panel=list(audit.panel),
        candidates=audit.candidates,
        stages=[],
        warnings=list(audit.warnings),
        versions=versions(),
        job=job.model_dump(mode="json"),
    )
    async with Run(store, "audit", results.job) as run:
        results.run_id = run.id
        for name in results.methods:
            method = METHODS.get(name)
            clock = time.monotonic()
            folder = job.output / name if job.output is not None else None
            outcome = await method.run(audit, job.section(name), store, folder, hooks)
            results.evidence += outcome.evidence
            results.warnings += outcome.warnings
            results.raw[name] = outcome.raw
            results.stages.append(
                StageRecord(
                    name=name,
                    run_id=outcome.run_id,
                    results_file=f"{name}/{outcome.results_file}" if outcome.results_file else "",
                    seconds=time.monotonic() - clock,
                    usage=outcome.usage,
                )
            )
    hooks.stage("verdict")
    results.verdict = verdict_of(results, audit)
    if results.verdict is None:
        results.warnings.append(
            "no verdict: a verdict compares each target with a null panel of at least two models known not to be "
            "distilled from the reference (panel:), and this audit has none"
        )
    results.seconds = time.monotonic() - started
    store.finish_run(
        run.id,
        run.status,
        {
            "stages": {s.name: s.run_id for s in results.stages},
            "usage": [u.model_dump(mode="json") for u in results.usage()],
        },
    )
    if job.output is not None:
        hooks.stage("report")
        write_results(results, job.output)
        from distillscope.audit.report import render_report  # plotly is only needed once there is a report

        render_report(job.output, job.output / REPORT_FILE)  # from the files, as `report` rebuilds it
    return results


def verdict_of(results: AuditResults, audit: ResolvedAudit) -> VerdictReport | None:
    """Every target's verdict from the evidence, and the share's error where the truth is known."""
    if not audit.panel.calibrates:
        return None
    report = decide(
        results.evidence,
        voting_methods(results.methods, audit.job.verdict.methods),
        targets=[(t.model, t.label) for t in audit.targets],
        references=[(r.model, r.label) for r in audit.references],
        panel=[p.label for p in audit.panel],
        settings=audit.job.verdict,
        counted=verdict_signals,
        queries=spent_queries(results),
        attribution_methods=[m for m in ATTRIBUTION_METHODS if m in results.methods]
        if "teachers" in results.methods
        else None,
    )
    points = []
    for target in audit.targets:
        truth = true_share(target.ground_truth, audit.reference.facts)
        found = report.of(target.model)
        if truth is not None and found is not None and found.share is not None:
            points.append((target.label, truth, found.share.value, found.share.z))
    report.share_check = check_shares(points)
    return report


def spent_queries(results: AuditResults) -> dict[str, int]:
    """Target queries each target cost, over the methods that report them."""
    spent: dict[str, int] = {}
    for evidence in results.evidence:
        if evidence.role == "target" and evidence.queries is not None and evidence.reference == results.reference.model:
            spent[evidence.model] = spent.get(evidence.model, 0) + evidence.queries
    return spent


def versions() -> dict[str, str]:
    return {
        "distillscope": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(terse=True),
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
