"""ICE as an audit method: identity claims under fuzzed jailbreaks, with per-query evidence.

The audit's targets become one `ICEJob` (one fuzz tree per target) judged against each target's
own facts, with the reference's family as the source; it runs as `distillscope ice` would, with its
cache, resume and files under the audit's `ice/` folder. The three rates are the measures; every
judged query is an item (0 or 1 per rate, grouped by question category). Queries differ between
targets, since each fuzz tree follows its own successes, so the items are not paired.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from distillscope.audit.evidence import Evidence, ItemValues, Measure
from distillscope.audit.ice.job import ICEJob, ICESettings
from distillscope.audit.ice.results import ICE_RATES, RESULTS_JSON, ICEResults, ICEScore, ICETargetResult
from distillscope.audit.ice.results import load_results as load_ice_results
from distillscope.audit.ice.runner import plan_ice, run_ice
from distillscope.audit.ice.scores import describe_identities
from distillscope.audit.ice.tables import all_tables, examples, rate_cell
from distillscope.audit.method import METHODS, AuditMethod, Hooks, MethodPlan, MethodRun, ReportSection
from distillscope.audit.resolve import ResolvedAudit
from distillscope.audit.tables import Cell, Table
from distillscope.data.families import builtin_families
from distillscope.store import RunStore

if TYPE_CHECKING:
    from distillscope.audit.results import AuditResults

RATE_SCALE = "rate, 0–1"


class ICEMethod(AuditMethod[ICESettings]):
    name = "ice"
    title = "Identity consistency (ICE)"
    short = "ICE"
    settings_type = ICESettings
    summary_type = ICEScore | None
    rank = 20
    sampling_field = "target_params"
    set_by_audit = ("target", "facts", "sources", "families", "models", "output")

    def job_for(self, audit: ResolvedAudit, settings: ICESettings, folder: Path | None) -> ICEJob:
        builtin = builtin_families()
        extra = {k: f for k, f in audit.families.items() if builtin.get(k) != f}
        return ICEJob.of(
            settings,
            target=[t.model for t in audit.targets],
            facts=[t.facts for t in audit.targets],
            sources=audit.sources,
            families=extra,
            models=audit.catalog,
            output=folder,
        )

    def plan(self, audit: ResolvedAudit, settings: ICESettings, store: RunStore) -> MethodPlan:
        return MethodPlan(
            calls=plan_ice(self.job_for(audit, settings, None), store),
            notes=[
                "ICE: its prompts depend on the answers, so only finished iterations of a saved run count as in store"
            ],
        )

    async def run(
        self, audit: ResolvedAudit, settings: ICESettings, store: RunStore, folder: Path | None, hooks: Hooks
    ) -> MethodRun:
        hooks.stage("ice target queries")
        results = await run_ice(
            self.job_for(audit, settings, folder), store, on_start=hooks.on_start, on_result=hooks.on_result
        )
        by_target = {t.target: t for t in results.targets}
        evidence = [ice_evidence(by_target[t.model], t.model, t.label) for t in audit.targets if t.model in by_target]
        return MethodRun(
            evidence=evidence, run_id=results.run_id, results_file=RESULTS_JSON, usage=results.usage, raw=results
        )

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


def ice_evidence(result: ICETargetResult, model: str, label: str) -> Evidence:
    s = result.scores
    judged = [q for q in result.queries if q.judged]
    ids = [f"{q.template_id}/{q.question_id}/{q.language}" for q in judged]
    return Evidence(
        method="ice",
        model=model,
        label=label,
        measures=[
            Measure(name=rate, value=ci.value, low=ci.low, high=ci.high, n=ci.n, scale=RATE_SCALE)
            for rate in ICE_RATES
            if (ci := getattr(s, rate)) is not None
        ],
        items=[
            ItemValues(
                signal=rate,
                kind="binary",
                ids=ids,
                values=[float(getattr(q, rate)) for q in judged],
                groups=[q.category for q in judged],
            )
            for rate in ICE_RATES
        ],
        headline="strict",
        summary=ICEScore(
            loose=s.loose,
            strict=s.strict,
            hard=s.hard,
            queries=s.queries,
            judged=s.judged,
            identities=describe_identities(s.identities),
        ).model_dump(mode="json"),
    )


ICE_METHOD = METHODS.register("ice", ICEMethod(), help="identity claims under fuzzed jailbreaks (the paper's ICE)")
