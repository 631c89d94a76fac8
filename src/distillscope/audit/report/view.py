"""What the report shows besides each method's own section, as plain rows of text.

`labels_of` and `summary_table` are shared with the terminal and live in `audit/overview.py`.

The summary (one row per target: ground truth, then each method's columns), the ground-truth
checks, the models, the usage and the run's facts. Labels replace model strings wherever the audit
gave one. A spec is the user's text, not the model's, and may carry a URL's credentials: it is
redacted here, as every file the project writes is. Nothing here escapes: every string goes to the
template as text, and the template's autoescape is what keeps model output inert.
"""

from __future__ import annotations

import json
from typing import Any

from distillscope.audit.overview import labels_of, summary_table
from distillscope.audit.present import ReportSection
from distillscope.audit.results import AuditResults
from distillscope.audit.tables import Cell, Table, cost, duration, num
from distillscope.audit.truth import TruthCheck, truth_checks
from distillscope.models.usage import ModelUsage
from distillscope.redaction import redact


def truth_tables(results: AuditResults) -> list[Table]:
    """For each graded series of known making: does each score order it as the ground truth does?"""
    by_series: dict[str, list[TruthCheck]] = {}
    for check in truth_checks(results):
        by_series.setdefault(check.series, []).append(check)
    marks = {"agrees": "✓ agrees", "tie": "= tie", "contradicts": "✗ reversed"}
    tables = []
    for series, checks in by_series.items():
        steps = [f"{p.lower} → {p.higher}" for p in checks[0].pairs]
        rows = []
        for check in checks:
            verdict = (
                "matches"
                if check.count("agrees") == len(check.pairs)
                else ("no reversal" if check.consistent else "reversed")
            )
            if not check.decides:
                verdict += " (not a verdict signal)"
            rows.append(
                [Cell(check.score), Cell(num(check.spearman, 2)), Cell(verdict)]
                + [
                    Cell(marks[p.verdict], f"{p.difference:+.3f}", f"[{p.low:+.3f}, {p.high:+.3f}]")
                    for p in check.pairs
                ]
            )
        tables.append(
            Table(
                f"Ground truth: does each score rank “{series}” as it was made?",
                ["score", "Spearman ρ", "verdict", *steps],
                rows,
                caption="Each step compares neighbouring levels with a 95% interval on the score difference (paired "
                "bootstrap over the items both answered, or a Newcombe interval for rates). A tie means the two "
                "levels cannot be told apart at this sample size; only a significant reversal contradicts the "
                "ground truth.",
            )
        )
    return tables


def models_table(results: AuditResults, sections: dict[str, ReportSection]) -> Table:
    reference = results.reference
    rows = [
        [*_model_row("reference", reference.label, reference.spec, reference.config), Cell(reference.facts_name or "–")]
    ]
    for t in results.targets:
        rows.append([*_model_row("target", t.label, t.spec, t.config), Cell(t.facts_name or "–")])
    for section in sections.values():
        rows += [[*_model_row(role, name, spec, {}), Cell("–")] for role, name, spec in section.model_rows]
    return Table("Models", ["role", "name", "spec", "configuration", "identity facts"], rows, numeric_from=99)


def _model_row(role: str, label: str, spec: str, config: dict[str, Any]) -> list[Cell]:
    shown = {k: v for k, v in config.items() if k not in ("spec", "name")}
    configuration = redact(json.dumps(shown, ensure_ascii=False)) if shown else "–"
    return [Cell(role), Cell(label), Cell(redact(spec)), Cell(configuration)]


def usage_table(results: AuditResults) -> Table:
    rows = [_usage_row(stage.name, u) for stage in results.stages for u in stage.usage]
    rows += [_usage_row("total", u) for u in results.usage()]
    return Table(
        "Calls, tokens and cost",
        ["stage", "model", "calls", "from store", "errors", "prompt tokens", "completion tokens", "cost"],
        rows,
        caption="Calls made by this run; answers the run store already held are counted apart and cost nothing.",
        numeric_from=2,
    )


def _usage_row(stage: str, u: ModelUsage) -> list[Cell]:
    return [
        Cell(stage),
        Cell(redact(u.model)),
        Cell(str(u.calls)),
        Cell(str(u.cached)),
        Cell(str(u.errors)),
        Cell(f"{u.prompt_tokens:,}"),
        Cell(f"{u.completion_tokens:,}"),
        Cell(cost(u.cost_usd)),
    ]


def run_facts(results: AuditResults, sections: dict[str, ReportSection]) -> list[tuple[str, str]]:
    facts = [
        ("reference", f"{results.reference.label} ({redact(results.reference.spec)})"),
        ("source families", ", ".join(results.source_names or results.sources)),
        ("created", results.created_at),
        ("time", duration(results.seconds)),
        ("audit run", results.run_id),
    ]
    facts += [
        (f"{s.name.upper()} run", f"{s.run_id or '–'} · {duration(s.seconds)} · {s.results_file}")
        for s in results.stages
    ]
    facts += [(name, version) for name, version in results.versions.items()]
    return facts + [fact for section in sections.values() for fact in section.facts]


def job_json(results: AuditResults) -> str:
    return json.dumps(results.job, indent=2, ensure_ascii=False)


__all__ = ["labels_of", "summary_table"]
