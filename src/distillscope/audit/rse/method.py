"""RSE as an audit method: the paper's response similarity, with per-prompt evidence for each model.

The audit's reference and targets become an `RSEJob` (the `rse:` section supplies everything else)
and run as `distillscope rse` would, with its own cache, resume and files under the audit's `rse/`
folder. Each judge is one measure; its per-item values are each prompt's score (samples averaged),
grouped by domain, so later statistics can pair models prompt by prompt. The ceiling (the reference
against a second sample of itself) is evidence too, with the role "ceiling".
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distillscope.audit.evidence import Evidence, ItemValues, Measure
from distillscope.audit.method import AuditMethod, Hooks, MethodPlan, MethodRun
from distillscope.audit.present import MethodPresenter, ReportSection
from distillscope.audit.resolve import AuditedModel, ResolvedAudit
from distillscope.audit.rse.job import RSEJob, RSESettings
from distillscope.audit.rse.plan import plan_rse
from distillscope.audit.rse.results import RESULTS_FILE, RSEResults, RSEScore, load_results
from distillscope.audit.rse.runner import run_rse
from distillscope.audit.rse.tables import all_tables, examples
from distillscope.audit.tables import Cell, Table
from distillscope.models.plan import merge_plans
from distillscope.models.usage import total_by_model
from distillscope.stats import stratified_bootstrap_mean_of_means
from distillscope.store import RunStore

if TYPE_CHECKING:
    from distillscope.audit.results import AuditResults


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value


class RSEMethod(AuditMethod[RSESettings], MethodPresenter):
    name = "rse"
    title = "Response similarity (RSE)"
    short = "RSE"
    # Reported, not voting: on real chat models plain similarity to the reference tracks how capable and how
    # recent a model is more than where its training text came from (on AlpacaEval's published answers, models
    # trained on gpt-3.5-turbo text and models trained without it score alike), so the verdict reads its
    # lineage-specific form, `proximity`, instead. `verdict.methods` can count it again.
    votes_by_default = False
    summary_type = list[RSEScore]
    rank = 10
    sampling_field = "params"
    set_by_audit = ("reference", "targets", "models", "output")

    def job_for(
        self, audit: ResolvedAudit, settings: RSESettings, folder: Path | None, reference: AuditedModel | None = None
    ) -> RSEJob:
        """RSE of every subject (targets, then the panel) against one reference, the audit's own by default."""
        return RSEJob.of(
            settings,
            reference=(reference or audit.reference).model,
            targets=[model.model for model, _ in audit.subjects],
            models=audit.catalog,
            output=folder,
        )

    def plan(self, audit: ResolvedAudit, settings: RSESettings, store: RunStore) -> MethodPlan:
        seen: set[str] = set()
        plans = [plan_rse(self.job_for(audit, settings, None, r), store, seen) for r in audit.references_for(self.name)]
        first = plans[0]
        domains = ", ".join(f"{d} ({n})" for d, n in first.domains.items())
        pairs = sum(p.pairs for p in plans)
        return MethodPlan(
            calls=merge_plans(p.plans for p in plans),
            lines=[f"RSE prompts: {domains} · pairs to judge: {pairs} · judges: {', '.join(first.judges)}"],
            notes=["RSE: completions are counted at their limit; retries of unreadable judge replies are not"],
            warnings=list(dict.fromkeys(w for p in plans for w in p.warnings)),
        )

    async def run(
        self, audit: ResolvedAudit, settings: RSESettings, store: RunStore, folder: Path | None, hooks: Hooks
    ) -> MethodRun:
        """One RSE run per reference; the first (the audit's own reference) is the one its folder shows."""
        evidence, usage, warnings, runs = [], [], [], []
        for index, reference in enumerate(audit.references_for(self.name)):
            where = folder if folder is None or index == 0 else folder / f"vs-{index}"
            prefix = "rse " if index == 0 else f"rse vs {reference.label}: "
            prefixed = hooks.prefixed(prefix)
            results = await run_rse(
                self.job_for(audit, settings, where, reference),
                store,
                on_start=prefixed.on_start,
                on_result=prefixed.on_result,
                on_stage=prefixed.on_stage,
            )
            evidence += rse_evidence(results, audit, reference)
            usage += results.usage
            warnings += results.warnings
            runs.append(results)
        return MethodRun(
            evidence=evidence,
            run_id=runs[0].run_id,
            results_file=RESULTS_FILE,
            usage=total_by_model(usage),
            warnings=list(dict.fromkeys(warnings)),
            raw=runs[0],
        )

    def load(self, folder: Path) -> RSEResults:
        return load_results(folder / RESULTS_FILE)

    # ---------------------------------------------------------------------------- showing
    def summary_cells(self, evidence: Evidence | None, all_evidence: list[Evidence]) -> list[tuple[str, Cell]]:
        judges = list(dict.fromkeys(m.name for e in all_evidence for m in e.measures))
        found = {m.name: m for m in evidence.measures} if evidence is not None else {}
        values = {name: measure.value for name, measure in found.items()}
        return [(f"RSE {j}", Cell("n/a" if values.get(j) is None else f"{values[j]:.3f}")) for j in judges]

    def cli_tables(self, raw: RSEResults, labels: dict[str, str]) -> list[Table]:
        return all_tables(raw, labels)

    def report_section(self, results: AuditResults, labels: dict[str, str]) -> ReportSection:
        from distillscope.audit.rse.figures import rse_by_domain

        rse: RSEResults = results.raw[self.name]
        facts = [(f"style signature ({i.name})", ", ".join(i.signature_words)) for i in rse.judges if i.signature_words]
        models = [(f"RSE judge ({i.kind})", i.name, i.model or "offline") for i in rse.judges]
        if rse.job.get("floor"):
            models.insert(0, ("RSE floor", str(rse.job["floor"]), str(rse.job["floor"])))
        return ReportSection(
            tables=all_tables(rse, labels),
            figures=[(0, rse_by_domain(rse, labels))],
            examples=examples(rse, labels, results.reference.label),
            examples_title="RSE: the same prompt, answered by the reference and by each model",
            examples_note="Chosen per model and domain: the least, the most and the median similar pair by the first "
            "judge; every judge's verdict below.",
            facts=facts,
            model_rows=models,
        )

    def csv_summary(self, evidence: Evidence) -> dict[str, Any]:
        line: dict[str, Any] = {}
        for score in self.read_summary(evidence.summary) or []:
            line[f"rse_{score.judge}_average"] = score.average
            for domain, cell in score.cells.items():
                line[f"rse_{score.judge}_{domain}"] = cell.value
        return line

    def csv_scores(self, evidence: Evidence, settings: dict[str, Any]) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = []
        for score in self.read_summary(evidence.summary) or []:
            common = {"method": "rse", "judge": score.judge, "scale": score.scale}
            for domain, cell in score.cells.items():
                lines.append(
                    {**common, "score": domain} | {"value": cell.value, "low": cell.low, "high": cell.high, "n": cell.n}
                )
            average = evidence.measure(score.judge)
            low, high, n = (average.low, average.high, average.n) if average else (None, None, None)
            lines.append({**common, "score": "average"} | {"value": score.average, "low": low, "high": high, "n": n})
        return lines


# -------------------------------------------------------------------------------------- evidence
def primary_judge(rse: RSEResults) -> str | None:
    """The judge the paper would use: the first LLM judge, else the first judge."""
    llm = [j.name for j in rse.judges if j.kind == "llm"]
    return llm[0] if llm else (rse.judges[0].name if rse.judges else None)


def rse_evidence(rse: RSEResults, audit: ResolvedAudit, reference: AuditedModel | None = None) -> list[Evidence]:
    """Each subject's evidence, and the ceiling's: one measure per judge, each prompt's score as an item."""
    reference = reference or audit.reference
    items = _per_prompt(rse)
    headline = primary_judge(rse)
    evidence = []
    for subject, role in [*audit.subjects, (reference, "ceiling")]:
        model, label = subject.model, subject.label
        row_role = "ceiling" if role == "ceiling" else "target"
        measures, values, summary = [], [], []
        for table in rse.tables:
            row = next((r for r in table.rows if r.label == model and r.role == row_role), None)
            if row is None:
                continue
            by_item = items.get((table.judge, row_role, model), {})
            groups = [group for group in by_item.values() if group]
            estimate = stratified_bootstrap_mean_of_means([list(g.values()) for g in groups])
            measures.append(
                Measure(
                    name=table.judge,
                    value=row.average,
                    low=_finite(estimate.low),
                    high=_finite(estimate.high),
                    n=estimate.n,
                    scale=table.scale.describe(),
                )
            )
            flat = [(uid, value, domain) for domain, group in by_item.items() for uid, value in group.items()]
            values.append(
                ItemValues(
                    signal=table.judge,
                    kind="score",
                    ids=[uid for uid, _, _ in flat],
                    values=[value for _, value, _ in flat],
                    groups=[domain for _, _, domain in flat],
                )
            )
            summary.append(
                RSEScore(judge=table.judge, scale=table.scale.describe(), cells=row.cells, average=row.average)
            )
        if measures:
            evidence.append(
                Evidence(
                    method="rse",
                    model=model,
                    label=label,
                    role=role,  # type: ignore[arg-type]
                    reference=reference.model,
                    measures=measures,
                    items=values,
                    headline=headline,
                    summary=[s.model_dump(mode="json") for s in summary],
                )
            )
    return evidence


def _per_prompt(rse: RSEResults) -> dict[tuple[str, str, str], dict[str, dict[str, float]]]:
    """(judge, role, label) → domain → prompt → mean of its readable sample scores."""
    scores: dict[tuple[str, str, str, str, str], list[float]] = defaultdict(list)
    for pair in rse.pairs:
        if pair.parsed and pair.score is not None:
            scores[(pair.judge, pair.role, pair.label, pair.domain, pair.uid)].append(pair.score)
    out: dict[tuple[str, str, str], dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for (judge, role, label, domain, uid), values in scores.items():
        out[(judge, role, label)][domain][uid] = sum(values) / len(values)
    return out


RSE_METHOD = RSEMethod()
