"""What the report shows, as plain rows of text: the template only lays them out.

Numbers are formatted here, once, so the page and its tables agree; labels replace model strings
wherever the audit gave one. Nothing here escapes: every string goes to the template as text, and
the template's autoescape is what keeps model output inert.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from distillscope.audit.ice.questions import CATEGORIES
from distillscope.audit.ice.results import ICEQuery, ICETargetResult, ScoreCI
from distillscope.audit.ice.scores import describe_identities
from distillscope.audit.report.figures import row_name
from distillscope.audit.results import ICE_RATES, AuditResults, combined_usage
from distillscope.audit.rse.results import Example, JudgeTable, ScoreCell
from distillscope.audit.truth import TruthCheck, truth_checks
from distillscope.data.rse_sets import PAPER_COUNTERPARTS

ICE_EXAMPLE_KINDS = ("strict", "loose", "consistent", "none")


@dataclass
class Cell:
    """A table cell: the value, a second line (a CI), and a note (what was left out)."""

    text: str
    sub: str = ""
    note: str = ""


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    numeric_from: int = 1  # columns from this index on are right-aligned


@dataclass
class ExampleView:
    heading: str
    messages: list[tuple[str, str]]
    left_title: str
    left: str
    right_title: str
    right: str
    verdicts: list[tuple[str, str, str]] = field(default_factory=list)  # judge, score, reason


@dataclass
class ExampleGroup:
    title: str
    examples: list[ExampleView]


def num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"[{low:.3f}, {high:.3f}]"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def cost(value: float | None) -> str:
    if value is None:
        return "unknown"
    return f"${value:.4f}" if value >= 0.0001 or value == 0 else f"${value:.2e}"


def truth_text(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)


def short_spec(spec: str, keep: int = 2) -> str:
    """A local model's spec with only its last folders, so long paths do not widen the tables."""
    prefix, _, path = spec.partition(":")
    parts = path.split("/")
    if prefix != "hf" or len(parts) <= keep + 1:
        return spec
    return f"hf:…/{'/'.join(parts[-keep:])}"


def labels_of(results: AuditResults) -> dict[str, str]:
    """Model string → display label, for every model the audit named."""
    labels = {results.reference.model: results.reference.label}
    labels.update({t.model: t.label for t in results.targets})
    return labels


def rate_cell(rate: ScoreCI) -> Cell:
    return Cell(num(rate.value), interval(rate.low, rate.high), f"{rate.positives}/{rate.n}")


def score_cell(cell: ScoreCell | None) -> Cell:
    if cell is None:
        return Cell("n/a")
    dropped = [f"{k} {v}" for k, v in (("unparseable", cell.unparseable), ("missing", cell.missing)) if v]
    return Cell(num(cell.value), interval(cell.low, cell.high), ", ".join([f"n={cell.n}", *dropped]))


# ------------------------------------------------------------------------------------------ tables
def summary_table(results: AuditResults) -> Table:
    truth_keys = [k for k in dict.fromkeys(k for t in results.targets for k in (t.ground_truth or {})) if k != "series"]
    judges = list(dict.fromkeys(score.judge for s in results.summary for score in s.rse))
    columns = ["target", *(f"truth: {k}" for k in truth_keys), *(f"RSE {j}" for j in judges)]
    columns += [f"ICE {rate}" for rate in ICE_RATES] + ["ICE judged"]
    rows = []
    for summary in results.summary:
        truth = summary.ground_truth or {}
        averages = {score.judge: score.average for score in summary.rse}
        row = [Cell(summary.label, short_spec(summary.model) if summary.model != summary.label else "")]
        row += [Cell(truth_text(truth.get(k))) for k in truth_keys]
        row += [Cell(num(averages.get(j))) for j in judges]
        if summary.ice is not None:
            row += [rate_cell(summary.ice.rate(rate)) for rate in ICE_RATES] + [Cell(str(summary.ice.judged))]
        else:
            row += [Cell("n/a") for _ in ICE_RATES] + [Cell("0")]
        rows.append(row)
    return Table(
        "Scores per target",
        columns,
        rows,
        caption="RSE: mean similarity to the reference (higher = more similar), the unweighted mean of the domains. "
        "ICE: share of judged responses claiming another identity (loose) or the reference's (strict; hard: "
        "without the prompt naming it), with 95% Wilson intervals and positives/judged.",
        numeric_from=1 + len(truth_keys),
    )


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
                caption="Each step compares neighbouring levels with a 95% interval on the score difference (RSE: "
                "paired bootstrap over prompts; ICE: Newcombe interval). A tie means the two levels cannot be told "
                "apart at this sample size; only a significant reversal contradicts the ground truth.",
            )
        )
    return tables


def rse_tables(results: AuditResults, labels: dict[str, str]) -> list[Table]:
    assert results.rse is not None
    domains = results.rse.domains
    tables = []
    for table in results.rse.tables:
        columns = ["model", *(_domain_header(d.name, d.items) for d in domains), "average"]
        rows = [
            [Cell(row_name(row, labels), row.spec if row.spec != row.label else "")]
            + [score_cell(row.cells.get(d.name)) for d in domains]
            + [Cell(num(row.average))]
            for row in table.rows
        ]
        tables.append(
            Table(
                f"RSE · judge {table.judge}",
                columns,
                rows,
                caption=f"{_scale(table)}; mean over prompts [bootstrap 95% CI], n prompts; average = unweighted "
                "mean of the domain means.",
            )
        )
    return tables


def _domain_header(name: str, items: int) -> str:
    like = PAPER_COUNTERPARTS.get(name)
    return f"{name} (n={items})" + (f", like {like}" if like else "")


def _scale(table: JudgeTable) -> str:
    return f"scale: {table.scale.describe()}, higher = more similar"


def agreement_table(results: AuditResults) -> Table | None:
    assert results.rse is not None
    if not results.rse.agreement:
        return None
    rows = [
        [Cell(f"{a.judge_a} · {a.judge_b}"), Cell(str(a.n)), Cell(num(a.spearman)), Cell(num(a.kendall))]
        for a in results.rse.agreement
    ]
    return Table(
        "Judge agreement",
        ["judges", "pairs", "Spearman", "Kendall"],
        rows,
        caption="Rank correlation of two judges' scores over the same pairs: how far the ranking depends on the judge.",
    )


def order_table(results: AuditResults) -> Table | None:
    assert results.rse is not None
    if not results.rse.order_consistency:
        return None
    rows = [
        [
            Cell(o.judge),
            Cell(str(o.n)),
            Cell(f"{o.exact_agreement:.0%}"),
            Cell(f"{o.mean_abs_diff:.2f}"),
            Cell(f"{o.position_bias:+.2f}"),
            Cell(num(o.spearman)),
        ]
        for o in results.rse.order_consistency
    ]
    return Table(
        "LLM judge order consistency",
        ["judge", "pairs", "same rating", "mean |diff|", "position bias", "Spearman"],
        rows,
        caption="The same pair shown with the reference first and second.",
    )


def ice_table(results: AuditResults, labels: dict[str, str]) -> Table:
    assert results.ice is not None
    rows = []
    for t in results.ice.targets:
        s = t.scores
        rows.append(
            [Cell(labels.get(t.target, t.target), t.facts_name)]
            + [rate_cell(getattr(s, rate)) for rate in ICE_RATES]
            + [Cell(str(s.judged)), Cell(str(s.unparseable)), Cell(str(s.failed)), Cell(str(s.prompts_naming_source))]
            + [Cell(describe_identities(s.identities))]
        )
    columns = ["target (its facts)", *ICE_RATES, "judged", "unparseable", "failed", "prompt named a source"]
    return Table(
        "ICE scores",
        [*columns, "identities claimed"],
        rows,
        caption="Rates over the responses judged; failed calls and unreadable verdicts are counted, not scored.",
    )


def category_table(results: AuditResults, labels: dict[str, str]) -> Table:
    assert results.ice is not None
    categories = list(
        dict.fromkeys([*CATEGORIES, *(c.group for t in results.ice.targets for c in t.scores.categories)])
    )
    rows = []
    for t in results.ice.targets:
        groups = {c.group: c for c in t.scores.categories}
        cells = [
            Cell(f"{g.loose} / {g.strict} / {g.hard}", f"of {g.judged}") if (g := groups.get(c)) else Cell("–")
            for c in categories
        ]
        rows.append([Cell(labels.get(t.target, t.target)), *cells])
    return Table(
        "Jailbreak successes by category",
        ["target", *categories],
        rows,
        caption="loose / strict / hard positives, of the responses judged in each category.",
    )


def fuzz_table(results: AuditResults, labels: dict[str, str]) -> Table:
    assert results.ice is not None
    rows = []
    for t in results.ice.targets:
        f = t.fuzz
        rows.append(
            [
                Cell(labels.get(t.target, t.target)),
                Cell(str(f.iterations)),
                Cell(str(f.queries)),
                Cell(str(f.mutants)),
                Cell(str(f.mutants_repaired)),
                Cell(str(f.mutants_cleaned)),
                Cell(str(f.mutator_failures)),
                Cell(f.stop_reason or "–", ", ".join(f"resumed at {i}" for i in f.resumed_at)),
                Cell(f"{t.policy} · {t.mutator} · {t.judge}"),
            ]
        )
    return Table(
        "Fuzzing",
        [
            *("target", "iterations", "queries", "mutants", "repaired", "cleaned", "mutator failures"),
            *("stopped by", "policy · mutator · judge"),
        ],
        rows,
        caption="Repaired: the mutant had lost (or repeated) the question placeholder. Cleaned: a preamble, fence "
        "or label was stripped from the mutator's output.",
    )


# ---------------------------------------------------------------------------------------- examples
def rse_examples(results: AuditResults, labels: dict[str, str]) -> list[ExampleGroup]:
    assert results.rse is not None
    reference = results.reference.label
    groups: dict[tuple[str, str], list[Example]] = {}
    for example in results.rse.examples:
        groups.setdefault((example.role, example.label), []).append(example)
    order = {"target": 0, "ceiling": 1, "floor": 2}
    out = []
    for (role, label), examples in sorted(groups.items(), key=lambda item: order.get(item[0][0], 3)):
        name = labels.get(label, label) + ("" if role == "target" else f" · {role}")
        views = [
            ExampleView(
                heading=f"{e.domain} · {e.uid}" + (f" · sample {e.sample_index}" if e.sample_index else ""),
                messages=[(m.role, m.content) for m in e.messages],
                left_title=f"reference: {reference}",
                left=e.reference_response,
                right_title=name,
                right=e.target_response,
                verdicts=[(j.judge, num(j.score) if j.parsed else "unreadable", j.reason) for j in e.judgments],
            )
            for e in examples
        ]
        out.append(ExampleGroup(name, views))
    return out


def pick_queries(queries: Sequence[ICEQuery], per_kind: int = 2) -> list[ICEQuery]:
    """A few responses of each verdict, strict first, from as many different templates as there are."""
    picked: list[ICEQuery] = []
    for kind in ICE_EXAMPLE_KINDS:
        matching = [q for q in queries if q.judged and _kind(q) == kind]
        first_of_template: dict[str, int] = {}
        for index, query in enumerate(matching):
            first_of_template.setdefault(query.template_id, index)
        fresh = sorted(first_of_template.values())
        firsts = set(fresh)
        repeats = [i for i in range(len(matching)) if i not in firsts]
        picked += [matching[i] for i in (fresh + repeats)[:per_kind]]
    return picked


def _kind(query: ICEQuery) -> str:
    if query.strict:
        return "strict"
    if query.loose:
        return "loose"
    return "consistent" if query.claimed_families else "none"


def ice_examples(results: AuditResults, labels: dict[str, str], per_kind: int = 2) -> list[ExampleGroup]:
    assert results.ice is not None
    return [_ice_group(t, labels, per_kind) for t in results.ice.targets]


def _ice_group(target: ICETargetResult, labels: dict[str, str], per_kind: int) -> ExampleGroup:
    name = labels.get(target.target, target.target)
    views = []
    for q in pick_queries(target.queries, per_kind):
        label = _kind(q) + (" · hard" if q.hard else "")
        claimed = ", ".join(q.claimed_families) or "none"
        views.append(
            ExampleView(
                heading=f"{label} · {q.category} · {q.language} · template {q.template_id}"
                + (f" ({q.operator})" if q.operator else ""),
                messages=[],
                left_title="prompt (template with the question)",
                left=q.prompt,
                right_title=f"{name}'s response",
                right=q.response or "",
                verdicts=[(target.judge, f"{label}; claimed: {claimed}", q.reason)],
            )
        )
    return ExampleGroup(name, views)


# ---------------------------------------------------------------------------------------- metadata
def models_table(results: AuditResults) -> Table:
    rows = [_model_row("reference", results.reference.label, results.reference.spec, results.reference.config)]
    rows[0].append(Cell(results.reference.facts_name or "–"))
    for t in results.targets:
        rows.append([*_model_row("target", t.label, t.spec, t.config), Cell(t.facts_name or "–")])
    rse_job, ice_job = results.rse.job if results.rse else {}, results.ice.config if results.ice else {}
    if rse_job.get("floor"):
        rows.append([*_model_row("RSE floor", str(rse_job["floor"]), str(rse_job["floor"]), {}), Cell("–")])
    for info in results.rse.judges if results.rse else []:
        rows.append([*_model_row(f"RSE judge ({info.kind})", info.name, info.model or "offline", {}), Cell("–")])
    rows.append([*_model_row("ICE judge", str(ice_job.get("judge", "")), str(ice_job.get("judge", "")), {}), Cell("–")])
    mutator = ice_job.get("mutator") or "offline mutators"
    rows.append([*_model_row("ICE mutator", str(mutator), str(mutator), {}), Cell("–")])
    return Table("Models", ["role", "name", "spec", "configuration", "identity facts"], rows, numeric_from=99)


def _model_row(role: str, label: str, spec: str, config: dict[str, Any]) -> list[Cell]:
    shown = {k: v for k, v in config.items() if k not in ("spec", "name")}
    return [Cell(role), Cell(label), Cell(spec), Cell(json.dumps(shown, ensure_ascii=False) if shown else "–")]


def usage_table(results: AuditResults) -> Table:
    rows = []
    for stage in results.stages:
        for u in stage.usage:
            rows.append(_usage_row(stage.name, u))
    for u in combined_usage(results.stages):
        rows.append(_usage_row("total", u))
    return Table(
        "Calls, tokens and cost",
        ["stage", "model", "calls", "from store", "errors", "prompt tokens", "completion tokens", "cost"],
        rows,
        caption="Calls made by this run; answers the run store already held are counted apart and cost nothing.",
        numeric_from=2,
    )


def _usage_row(stage: str, u: dict[str, Any]) -> list[Cell]:
    return [
        Cell(stage),
        Cell(str(u["model"])),
        Cell(str(u.get("calls", 0))),
        Cell(str(u.get("cached", 0))),
        Cell(str(u.get("errors", 0))),
        Cell(f"{int(u.get('prompt_tokens') or 0):,}"),
        Cell(f"{int(u.get('completion_tokens') or 0):,}"),
        Cell(cost(u.get("cost_usd"))),
    ]


def run_facts(results: AuditResults) -> list[tuple[str, str]]:
    facts = [
        ("reference", f"{results.reference.label} ({results.reference.spec})"),
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
    if results.rse is not None:
        for info in results.rse.judges:
            if info.signature_words:
                facts.append((f"style signature ({info.name})", ", ".join(info.signature_words)))
    return facts


def job_json(results: AuditResults) -> str:
    return json.dumps(results.job, indent=2, ensure_ascii=False)
