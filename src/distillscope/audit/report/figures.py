"""The report's figures, after the paper's: plotly figure specs built from the results files alone.

Each function returns a `FigureSpec` (plain data: plotly's `data` and `layout`), rendered in the
browser by the plotly.js bundle inlined in the page. Figures where a reader chooses (which judge,
which rate) carry a dropdown rather than one copy per choice, so the page stays short.

Every string that reaches a figure is passed through `plot_text`: plotly draws labels with a small
HTML-like markup of its own (<b>, <a href>, <br>), and a model's name or an identity string must be
shown as written, never interpreted as markup.
"""

from __future__ import annotations

import html
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from distillscope.audit.ice.questions import CATEGORIES
from distillscope.audit.ice.results import ICETargetResult, ScoreCI
from distillscope.audit.results import ICE_RATES, AuditResults
from distillscope.audit.rse.results import JudgeTable, ScoreRow

RATE_COLOURS = {"loose": "#9ecae1", "strict": "#3182bd", "hard": "#08519c"}
PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"


@dataclass
class FigureSpec:
    id: str
    title: str
    caption: str
    data: list[dict[str, Any]]
    layout: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "data": self.data, "layout": self.layout}


def plot_text(text: object) -> str:
    """A string as plotly must show it: its markup characters as entities, which plotly displays verbatim."""
    return html.escape(str(text), quote=False)


def _spec(fig_id: str, title: str, caption: str, figure: go.Figure, height: int = 420) -> FigureSpec:
    """Common looks: the choice menu above the plot on the left, the legend on the right."""
    figure.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
        font={"family": FONT, "size": 13},
        legend={"orientation": "v", "yanchor": "top", "y": 1, "xanchor": "left", "x": 1.02},
        hoverlabel={"align": "left"},
    )
    spec = figure.to_plotly_json()
    return FigureSpec(fig_id, title, caption, spec["data"], spec["layout"])


def _errors(values: Sequence[float | None], lows: Sequence[float | None], highs: Sequence[float | None]) -> dict:
    """Asymmetric error bars: a CI's distance above and below its value (0 where unknown)."""
    above = [h - v if v is not None and h is not None else 0 for v, h in zip(values, highs, strict=True)]
    below = [v - lo if v is not None and lo is not None else 0 for v, lo in zip(values, lows, strict=True)]
    return {"type": "data", "symmetric": False, "array": above, "arrayminus": below, "thickness": 1.2, "width": 4}


def _dropdown(labels: Sequence[str], args: Sequence[list[Any]], method: str = "update") -> dict[str, Any]:
    return {
        "type": "dropdown",
        "direction": "down",
        "x": 0,
        "xanchor": "left",
        "y": 1.02,
        "yanchor": "bottom",
        "showactive": True,
        "buttons": [
            {"label": plot_text(label), "method": method, "args": arg} for label, arg in zip(labels, args, strict=True)
        ],
    }


def _visibility(groups: Sequence[int], chosen: int) -> list[bool]:
    """Which traces show when group `chosen` is picked; `groups[i]` is trace i's group."""
    return [group == chosen for group in groups]


# --------------------------------------------------------------------------------------------- RSE
def row_name(row: ScoreRow, labels: dict[str, str]) -> str:
    name = labels.get(row.label, row.label)
    if row.role == "ceiling":
        return f"{name} · ceiling"
    if row.role == "floor":
        return f"{name} · floor"
    return name


def rse_by_domain(results: AuditResults, labels: dict[str, str]) -> FigureSpec:
    """Bars per target and domain, with bootstrap CIs; one judge at a time, chosen from a dropdown."""
    assert results.rse is not None
    figure = go.Figure()
    groups: list[int] = []
    domains = [d.name for d in results.rse.domains]
    for index, table in enumerate(results.rse.tables):
        names = [plot_text(row_name(row, labels)) for row in table.rows]
        for position, domain in enumerate(domains):
            cells = [row.cells.get(domain) for row in table.rows]
            values = [c.value if c else None for c in cells]
            figure.add_bar(
                name=plot_text(domain),
                x=names,
                y=values,
                error_y=_errors(values, [c.low if c else None for c in cells], [c.high if c else None for c in cells]),
                customdata=[[c.n if c else 0] for c in cells],
                hovertemplate=f"%{{x}}<br>{plot_text(domain)}: %{{y:.3f}} (n=%{{customdata[0]}})<extra></extra>",
                marker_color=PALETTE[position % len(PALETTE)],
                visible=index == 0,
            )
            groups.append(index)
        figure.add_bar(
            name="average",
            x=names,
            y=[row.average for row in table.rows],
            hovertemplate="%{x}<br>average: %{y:.3f}<extra></extra>",
            marker_color="#444444",
            visible=index == 0,
        )
        groups.append(index)
    tables = results.rse.tables
    figure.update_layout(barmode="group", yaxis_title=plot_text(_scale_title(tables[0])) if tables else "")
    if len(tables) > 1:
        args = [
            [{"visible": _visibility(groups, i)}, {"yaxis.title.text": plot_text(_scale_title(table))}]
            for i, table in enumerate(tables)
        ]
        figure.update_layout(updatemenus=[_dropdown([f"judge: {t.judge}" for t in tables], args)])
    return _spec(
        "fig-rse-domains",
        "RSE by domain",
        "Mean similarity of each target's responses to the reference's, per prompt domain, with bootstrap 95% "
        "CIs; the average is the unweighted mean of the domains (the paper's score). The ceiling compares the "
        "reference with a second sample of itself.",
        figure,
    )


def _scale_title(table: JudgeTable) -> str:
    return f"{table.judge}: {table.scale.describe()}"


# --------------------------------------------------------------------------------------------- ICE
def ice_rates(results: AuditResults, labels: dict[str, str]) -> FigureSpec:
    assert results.ice is not None
    targets = results.ice.targets
    names = [plot_text(labels.get(t.target, t.target)) for t in targets]
    figure = go.Figure()
    for rate in ICE_RATES:
        cis = [_rate(t, rate) for t in targets]
        values = [c.value for c in cis]
        figure.add_bar(
            name=rate,
            x=names,
            y=values,
            error_y=_errors(values, [c.low for c in cis], [c.high for c in cis]),
            customdata=[[c.positives, c.n] for c in cis],
            hovertemplate=f"%{{x}}<br>{rate}: %{{y:.3f}} (%{{customdata[0]}} of %{{customdata[1]}})<extra></extra>",
            marker_color=RATE_COLOURS[rate],
        )
    figure.update_layout(
        barmode="group", yaxis={"title": {"text": "share of judged responses"}, "rangemode": "nonnegative"}
    )
    return _spec(
        "fig-ice-rates",
        "ICE: identity claims under jailbreak fuzzing",
        "Loose: the response claims an identity other than the target's own. Strict: it claims a source family "
        "(the reference's). Hard: strict, and the prompt did not itself name a source. Wilson 95% CIs; every rate "
        "is over the responses actually judged.",
        figure,
    )


def _rate(target: ICETargetResult, rate: str) -> ScoreCI:
    return getattr(target.scores, rate)


def strict_vs_rse(results: AuditResults, labels: dict[str, str]) -> FigureSpec:
    """The paper's main figure: each target's ICE strict score against its RSE score, labelled."""
    assert results.rse is not None and results.ice is not None
    strict = {t.target: t.scores.strict for t in results.ice.targets}
    figure = go.Figure()
    first = primary_judge(results)
    tables = sorted(results.rse.tables, key=lambda t: t.judge != first)  # the paper's judge shows first
    for index, table in enumerate(tables):
        rows = [r for r in table.rows if r.role == "target" and r.label in strict]
        ys = [strict[r.label].value for r in rows]
        names = [plot_text(labels.get(r.label, r.label)) for r in rows]
        figure.add_scatter(
            x=[r.average for r in rows],
            y=ys,
            mode="markers+text",
            text=names,
            textposition="top center",
            cliponaxis=False,
            marker={"size": 12, "color": [PALETTE[i % len(PALETTE)] for i in range(len(rows))]},
            error_y=_errors(ys, [strict[r.label].low for r in rows], [strict[r.label].high for r in rows]),
            hovertemplate="%{text}<br>RSE average: %{x:.3f}<br>ICE strict: %{y:.3f}<extra></extra>",
            name=plot_text(table.judge),
            showlegend=False,
            visible=index == 0,
        )
    figure.update_layout(
        xaxis_title=plot_text(f"RSE average ({_scale_title(tables[0])})") if tables else "RSE",
        yaxis={"title": {"text": "ICE strict"}, "rangemode": "nonnegative"},
    )
    if len(tables) > 1:
        args = [
            [
                {"visible": _visibility(list(range(len(tables))), i)},
                {"xaxis.title.text": plot_text(f"RSE average ({_scale_title(t)})")},
            ]
            for i, t in enumerate(tables)
        ]
        figure.update_layout(updatemenus=[_dropdown([f"RSE judge: {t.judge}" for t in tables], args)])
    return _spec(
        "fig-main",
        "ICE strict against RSE",
        "After the paper's main figure: a target high on both axes answers like the reference and, pushed, says "
        "it is the reference. Error bars: Wilson 95% CI of the strict rate.",
        figure,
        height=460,
    )


def category_successes(results: AuditResults, labels: dict[str, str]) -> FigureSpec:
    """Jailbreak successes per identity-question category, per target; the rate chosen from a dropdown."""
    assert results.ice is not None
    targets = results.ice.targets
    categories = list(dict.fromkeys([*CATEGORIES, *(c.group for t in targets for c in t.scores.categories)]))
    figure = go.Figure()
    counts: dict[str, list[list[int]]] = {rate: [] for rate in ICE_RATES}
    for index, target in enumerate(targets):
        groups = {c.group: c for c in target.scores.categories}
        for rate in ICE_RATES:
            counts[rate].append([getattr(groups[c], rate) if c in groups else 0 for c in categories])
        figure.add_bar(
            name=plot_text(labels.get(target.target, target.target)),
            x=[plot_text(c) for c in categories],
            y=counts["loose"][-1],
            customdata=[[groups[c].judged if c in groups else 0] for c in categories],
            hovertemplate="%{fullData.name}<br>%{x}: %{y} of %{customdata[0]} judged<extra></extra>",
            marker_color=PALETTE[index % len(PALETTE)],
        )
    figure.update_layout(
        barmode="group", yaxis={"title": {"text": "loose successes (count)"}, "rangemode": "nonnegative"}
    )
    args = [[{"y": counts[rate]}, {"yaxis.title.text": f"{rate} successes (count)"}] for rate in ICE_RATES]
    figure.update_layout(updatemenus=[_dropdown([f"rate: {r}" for r in ICE_RATES], args)])
    return _spec(
        "fig-categories",
        "Jailbreak successes by identity category",
        "How many fuzzed queries in each category of identity question (team, cooperation, industry, technology, "
        "geography) drew a claim of another identity.",
        figure,
    )


NO_CLAIM = "no identity claimed"


def claimed_identities(results: AuditResults, labels: dict[str, str]) -> FigureSpec:
    """Which identities each target claimed, as a share of its judged responses (a response may claim several)."""
    assert results.ice is not None
    targets = results.ice.targets
    totals: Counter[str] = Counter()
    names: dict[str, str] = {}
    sources = set(results.sources)
    for target in targets:
        for share in target.scores.identities:
            totals[share.family] += share.count
            names[share.family] = share.name + (" ★" if share.family in sources else "")
    families = [family for family, _ in totals.most_common()]
    columns = [plot_text(names[f]) for f in families] + [NO_CLAIM]
    z, text = [], []
    for target in targets:
        counts = {s.family: s.count for s in target.scores.identities}
        judged = target.scores.judged
        silent = sum(1 for q in target.queries if q.judged and not q.claimed_families)
        row = [counts.get(f, 0) for f in families] + [silent]
        z.append([count / judged if judged else 0.0 for count in row])
        text.append([str(count) for count in row])
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=[plot_text(labels.get(t.target, t.target)) for t in targets],
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=max((v for row in z for v in row), default=1.0) or 1.0,
            colorbar={"title": {"text": "share"}},
            hovertemplate="%{y}<br>%{x}: %{text} responses (%{z:.1%} of judged)<extra></extra>",
        )
    )
    figure.update_layout(xaxis={"side": "bottom"}, yaxis={"autorange": "reversed"})
    return _spec(
        "fig-identities",
        "Claimed identities",
        "Each cell: how many of a target's judged responses claimed that identity (colour: share of judged "
        "responses). ★ marks a source family, the reference's side.",
        figure,
        height=max(260, 120 + 48 * len(targets)),
    )


# ------------------------------------------------------------------------------------ ground truth
def numeric_truths(results: AuditResults) -> list[str]:
    """Ground-truth keys with a number for at least two targets: those can be plotted against."""
    counts: Counter[str] = Counter()
    for target in results.targets:
        for key, value in (target.ground_truth or {}).items():
            if isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value)):
                counts[key] += 1
    return [key for key, count in counts.items() if count >= 2]


def scores_vs_truth(results: AuditResults, labels: dict[str, str], primary_judge: str) -> FigureSpec | None:
    """Measured against known: the RSE average and the ICE strict rate against each numeric truth."""
    keys = numeric_truths(results)
    if not keys or results.rse is None or results.ice is None:
        return None
    table = results.rse.table(primary_judge)
    averages = {r.label: r.average for r in table.rows if r.role == "target"}
    strict = {t.target: t.scores.strict.value for t in results.ice.targets}
    figure = make_subplots(rows=1, cols=2, subplot_titles=(plot_text(f"RSE average ({primary_judge})"), "ICE strict"))
    groups: list[int] = []
    for index, key in enumerate(keys):
        known = [t for t in results.targets if _number((t.ground_truth or {}).get(key)) is not None]
        xs = [_number((t.ground_truth or {})[key]) for t in known]
        names = [plot_text(labels.get(t.model, t.model)) for t in known]
        for column, values in ((1, averages), (2, strict)):
            figure.add_scatter(
                x=xs,
                y=[values.get(t.model) for t in known],
                mode="markers+text",
                text=names,
                textposition="top center",
                cliponaxis=False,
                marker={"size": 11, "color": PALETTE[column - 1]},
                hovertemplate=f"%{{text}}<br>{plot_text(key)}: %{{x}}<br>score: %{{y:.3f}}<extra></extra>",
                showlegend=False,
                visible=index == 0,
                row=1,
                col=column,
            )
            groups.append(index)
    figure.update_xaxes(title_text=plot_text(keys[0]))
    figure.update_yaxes(rangemode="nonnegative", row=1, col=2)
    if len(keys) > 1:
        args = [
            [{"visible": _visibility(groups, i)}, {"xaxis.title.text": plot_text(k), "xaxis2.title.text": plot_text(k)}]
            for i, k in enumerate(keys)
        ]
        figure.update_layout(updatemenus=[_dropdown([f"truth: {k}" for k in keys], args)])
    return _spec(
        "fig-truth",
        "Measured against ground truth",
        "Each target's scores against what is known of its making (numeric ground-truth fields): a method that "
        "works rises with the share of the reference's data a student saw.",
        figure,
    )


def _number(value: Any) -> float | None:
    if isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value)):
        return float(value)
    return None


def primary_judge(results: AuditResults) -> str | None:
    """The judge the paper would use: the first LLM judge, else the first judge."""
    if results.rse is None or not results.rse.judges:
        return None
    llm = [j.name for j in results.rse.judges if j.kind == "llm"]
    return llm[0] if llm else results.rse.judges[0].name


def build_figures(results: AuditResults, labels: dict[str, str]) -> list[FigureSpec]:
    figures = [
        rse_by_domain(results, labels),
        ice_rates(results, labels),
        strict_vs_rse(results, labels),
        category_successes(results, labels),
        claimed_identities(results, labels),
    ]
    judge = primary_judge(results)
    truth = scores_vs_truth(results, labels, judge) if judge is not None else None
    if truth is not None:
        figures.append(truth)
    return figures
