"""RSE's tables and examples as plain data: the paper's Table 3 per judge, judge agreement, pairs.

The terminal (`distillscope rse`, `distillscope audit`) and the report show the same tables; they
are described here once and each renders them its own way.
"""

from __future__ import annotations

from distillscope.audit.rse.results import Example, RSEResults, ScoreCell, ScoreRow
from distillscope.audit.tables import Cell, ExampleGroup, ExampleView, Table, interval, num
from distillscope.data.rse_sets import PAPER_COUNTERPARTS

ROLE_NOTES = {"ceiling": "(ceiling: a 2nd reference sample)", "floor": "(floor: an unrelated model)"}
ROLE_ORDER = {"target": 0, "ceiling": 1, "floor": 2}


def score_cell(cell: ScoreCell | None) -> Cell:
    if cell is None or cell.value is None:
        return Cell("n/a")
    dropped = [f"{k} {v}" for k, v in (("unparseable", cell.unparseable), ("missing", cell.missing)) if v]
    return Cell(num(cell.value), interval(cell.low, cell.high), ", ".join([f"n={cell.n}", *dropped]))


def row_cell(row: ScoreRow, labels: dict[str, str]) -> Cell:
    name = labels.get(row.label, row.label)
    return Cell(name, ROLE_NOTES.get(row.role, "" if row.spec in (row.label, name) else row.spec))


def domain_header(name: str, items: int) -> str:
    like = PAPER_COUNTERPARTS.get(name)
    return f"{name} (n={items})" + (f", like {like}" if like else "")


def judge_tables(rse: RSEResults, labels: dict[str, str]) -> list[Table]:
    domains = rse.domains
    tables = []
    for table in rse.tables:
        rows = [
            [row_cell(row, labels), *(score_cell(row.cells.get(d.name)) for d in domains), Cell(num(row.average))]
            for row in table.rows
        ]
        breaks = [i for i in range(1, len(table.rows)) if table.rows[i].role != table.rows[i - 1].role]
        tables.append(
            Table(
                f"RSE · judge {table.judge}",
                ["model", *(domain_header(d.name, d.items) for d in domains), "average"],
                rows,
                caption=f"scale: {table.scale.describe()}, higher = more similar; mean over prompts [bootstrap 95% "
                "CI], n prompts; average = unweighted mean of the domain means.",
                breaks=breaks,
            )
        )
    return tables


def agreement_table(rse: RSEResults) -> Table | None:
    if not rse.agreement:
        return None
    rows = [
        [Cell(f"{a.judge_a} · {a.judge_b}"), Cell(str(a.n)), Cell(num(a.spearman)), Cell(num(a.kendall))]
        for a in rse.agreement
    ]
    return Table(
        "Judge agreement",
        ["judges", "pairs", "Spearman", "Kendall"],
        rows,
        caption="Rank correlation of two judges' scores over the same pairs: how far the ranking depends on the judge.",
    )


def order_table(rse: RSEResults) -> Table | None:
    if not rse.order_consistency:
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
        for o in rse.order_consistency
    ]
    return Table(
        "LLM judge order consistency",
        ["judge", "pairs", "same rating", "mean |diff|", "position bias", "Spearman"],
        rows,
        caption="The same pair shown with the reference first and second.",
    )


def all_tables(rse: RSEResults, labels: dict[str, str]) -> list[Table]:
    extra = [t for t in (agreement_table(rse), order_table(rse)) if t is not None]
    return [*judge_tables(rse, labels), *extra]


def examples(rse: RSEResults, labels: dict[str, str], reference: str) -> list[ExampleGroup]:
    """Per row and domain: the least, the most and the median similar pair by the first judge."""
    groups: dict[tuple[str, str], list[Example]] = {}
    for example in rse.examples:
        groups.setdefault((example.role, example.label), []).append(example)
    out = []
    for (role, label), found in sorted(groups.items(), key=lambda item: ROLE_ORDER.get(item[0][0], 3)):
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
            for e in found
        ]
        out.append(ExampleGroup(name, views))
    return out
