"""ICE as an audit method: identity claims under fuzzed jailbreaks, with per-query evidence.

The audit's targets become one `ICEJob` (one fuzz tree per target) judged against each target's
own facts, with the reference's family as the source; it runs as `distillscope ice` would, with its
cache, resume and files under the audit's `ice/` folder. The three rates are the measures; every
judged query is an item (0 or 1 per rate, grouped by question category). Queries differ between
targets, since each fuzz tree follows its own successes, so the items are not paired.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distillscope.audit.evidence import Evidence, ItemValues, Measure, Panel, Role
from distillscope.audit.ice.fuzzer import StopRule
from distillscope.audit.ice.job import ICEJob, TargetPlan
from distillscope.audit.ice.results import (
    ICE_RATES,
    RESULTS_JSON,
    ICEQuery,
    ICEResults,
    ICEScore,
    ICETargetResult,
    ScoreCI,
)
from distillscope.audit.ice.results import load_results as load_ice_results
from distillscope.audit.ice.runner import plan_ice, run_ice
from distillscope.audit.ice.scores import describe_identities
from distillscope.audit.ice.settings import ICESettings
from distillscope.audit.ice.tables import all_tables, examples, rate_cell
from distillscope.audit.ice.tree import FuzzTree
from distillscope.audit.method import AuditMethod, Hooks, MethodPlan, MethodRun
from distillscope.audit.present import MethodPresenter, ReportSection
from distillscope.audit.resolve import AuditedModel, ResolvedAudit
from distillscope.audit.tables import Cell, Table
from distillscope.data.families import builtin_families
from distillscope.stats import wilson_rate
from distillscope.store import RunStore

if TYPE_CHECKING:
    from distillscope.audit.results import AuditResults

RATE_SCALE = "rate, 0–1"


class ICEMethod(AuditMethod[ICESettings], MethodPresenter):
    name = "ice"
    title = "Identity consistency (ICE)"
    short = "ICE"
    summary_type = ICEScore | None
    rank = 20
    sampling_field = "target_params"
    set_by_audit = ("target", "facts", "sources", "families", "models", "output")

    def job_for(self, audit: ResolvedAudit, settings: ICESettings, folder: Path | None) -> ICEJob:
        """One ICE job over every subject, the null panel first (a sequential test needs its rates)."""
        builtin = builtin_families()
        extra = {k: f for k, f in audit.families.items() if builtin.get(k) != f}
        subjects = audit.subjects
        if audit.stop_early is not None:
            subjects = sorted(subjects, key=lambda pair: pair[1] != Panel.role)
        return ICEJob.of(
            settings,
            target=[model.model for model, _ in subjects],
            facts=[model.facts for model, _ in subjects],
            sources=audit.sources,
            families=extra,
            models=audit.catalog,
            output=folder,
        )

    def plan(self, audit: ResolvedAudit, settings: ICESettings, store: RunStore) -> MethodPlan:
        notes = ["ICE: its prompts depend on the answers, so only finished iterations of a saved run count as in store"]
        if audit.stop_early is not None:
            notes.append("ICE in sequential mode: targets are planned at their full budget, most stop sooner")
        return MethodPlan(calls=plan_ice(self.job_for(audit, settings, None), store), notes=notes)

    async def run(
        self, audit: ResolvedAudit, settings: ICESettings, store: RunStore, folder: Path | None, hooks: Hooks
    ) -> MethodRun:
        hooks.stage("ice target queries")
        rules = sequential_rules(audit) if audit.panel.calibrates else None
        results = await run_ice(
            self.job_for(audit, settings, folder),
            store,
            on_start=hooks.on_start,
            on_result=hooks.on_result,
            stop_rule_for=rules,
        )
        by_target = {t.target: t for t in results.targets}
        evidence = [
            ice_evidence(by_target[model.model], model.model, model.label, role, reference)
            for reference in audit.references_for(self.name)
            for model, role in audit.subjects
            if model.model in by_target
        ]
        return MethodRun(
            evidence=evidence, run_id=results.run_id, results_file=RESULTS_JSON, usage=results.usage, raw=results
        )

    def verdict_signals(self, evidence: Evidence) -> list[str]:
        """Strict claims, of the reference's own identity: loose claims of any other identity are common
        among unrelated models, and hard is strict's subset, so neither adds to the question."""
        return ["strict"]

    def load(self, folder: Path) -> ICEResults:
        return load_ice_results(folder / RESULTS_JSON)

    # ---------------------------------------------------------------------------- showing
    def summary_cells(self, evidence: Evidence | None, all_evidence: list[Evidence]) -> list[tuple[str, Cell]]:
        score: ICEScore | None = self.read_summary(evidence.summary) if evidence is not None else None
        if score is None:
            return [*((f"ICE {rate}", Cell("n/a")) for rate in ICE_RATES), ("ICE judged", Cell("0"))]
        return [
            *((f"ICE {rate}", rate_cell(score.rate(rate))) for rate in ICE_RATES),
            ("ICE judged", Cell(str(score.judged))),
        ]

    def cli_tables(self, raw: ICEResults, labels: dict[str, str]) -> list[Table]:
        return all_tables(raw, labels)[:1]

    def report_section(self, results: AuditResults, labels: dict[str, str]) -> ReportSection:
        from distillscope.audit.ice.figures import category_successes, claimed_identities, ice_rates

        ice: ICEResults = results.raw[self.name]
        judge = str(ice.config.get("judge", ""))
        mutator = str(ice.config.get("mutator") or "offline mutators")
        return ReportSection(
            tables=all_tables(ice, labels),
            figures=[
                (0, ice_rates(ice, labels)),
                (2, category_successes(ice, labels)),
                (2, claimed_identities(ice, labels, results.sources)),
            ],
            examples=examples(ice, labels),
            examples_title="ICE: fuzzed identity questions and the responses they drew",
            examples_note="A few responses of each verdict per target: strict, loose, consistent with the target's "
            "own identity, and no identity claimed.",
            model_rows=[("ICE judge", judge, judge), ("ICE mutator", mutator, mutator)],
            notes=[
                f"ICE {t.target}: {t.scores.failed} target calls failed and are not scored"
                for t in ice.targets
                if t.scores.failed
            ],
        )

    def csv_summary(self, evidence: Evidence) -> dict[str, Any]:
        score: ICEScore | None = self.read_summary(evidence.summary)
        if score is None:
            return {}
        line: dict[str, Any] = {}
        for name in ICE_RATES:
            rate = score.rate(name)
            line.update({f"ice_{name}": rate.value, f"ice_{name}_low": rate.low, f"ice_{name}_high": rate.high})
        line["ice_judged"] = score.judged
        return line

    def csv_scores(self, evidence: Evidence, settings: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"method": "ice", "judge": settings.get("judge", ""), "score": m.name, "scale": m.scale}
            | {"value": m.value, "low": m.low, "high": m.high, "n": m.n}
            for m in evidence.measures
        ]


def claims(query: ICEQuery, family: str | None) -> bool:
    """Whether a judged response claims to be, or to be made by, this family (and not its own)."""
    return family is not None and query.loose and family in query.claimed_families


def ice_evidence(
    result: ICETargetResult,
    model: str,
    label: str,
    role: Role,
    reference: AuditedModel,
) -> Evidence:
    """A subject's identity claims against one reference: loose as judged, strict and hard for this
    reference's family (a run with several candidate teachers counts each one's claims apart)."""
    judged = [q for q in result.queries if q.judged]
    outcomes = {
        "loose": [q.loose for q in judged],
        "strict": [claims(q, reference.facts) for q in judged],
        "hard": [claims(q, reference.facts) and not q.prompt_names_source for q in judged],
    }
    rates = {name: ScoreCI.of(wilson_rate(sum(v), len(v)), sum(v)) for name, v in outcomes.items()}
    ids = [f"{q.template_id}/{q.question_id}/{q.language}" for q in judged]
    return Evidence(
        method="ice",
        model=model,
        label=label,
        role=role,
        reference=reference.model,
        measures=[
            Measure(name=rate, value=ci.value, low=ci.low, high=ci.high, n=ci.n, scale=RATE_SCALE)
            for rate, ci in rates.items()
        ],
        items=[
            ItemValues(
                signal=rate,
                kind="binary",
                ids=ids,
                values=[float(v) for v in values],
                groups=[q.category for q in judged],
            )
            for rate, values in outcomes.items()
        ],
        headline="strict",
        queries=result.scores.queries,
        summary=ICEScore(
            loose=rates["loose"],
            strict=rates["strict"],
            hard=rates["hard"],
            queries=result.scores.queries,
            judged=result.scores.judged,
            identities=describe_identities(result.scores.identities),
        ).model_dump(mode="json"),
    )


def sequential_rules(audit: ResolvedAudit) -> Callable[[TargetPlan, list[ICETargetResult]], StopRule | None] | None:
    """For each target, once the panel is done: stop when its strict claims of the reference decide
    (none when the audit's verdict is not sequential)."""
    stop, family = audit.stop_early, audit.reference.facts
    if stop is None:
        return None
    panel = {model.model for model in audit.panel}

    def rule_for(plan: TargetPlan, finished: list[ICETargetResult]) -> StopRule | None:
        if plan.spec in panel or family is None:
            return None
        counts = [
            (sum(claims(q, family) for q in t.queries if q.judged), sum(q.judged for q in t.queries))
            for t in finished
            if t.target in panel
        ]
        if not Panel.enough(len(counts)):
            return None
        test = stop.test(counts)

        def rule(tree: FuzzTree) -> str | None:
            outcomes = [
                float(r.loose and family in r.claimed_families) for n in tree.mutants() for r in n.results if r.judged
            ]
            decision, _, _ = test.run(outcomes)
            return None if decision is None else f"sequential: {decision}"

        return rule

    return rule_for


ICE_METHOD = ICEMethod()
