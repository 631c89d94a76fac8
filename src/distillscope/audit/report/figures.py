"""The report's overview figures, across methods, built from the evidence alone.

Each method draws its own figures (its `ReportSection`); these two set methods side by side:
- after the paper's main figure, the second method's headline against the first's, per target
  (with two methods, ICE strict against RSE), the first method's measure chosen from a dropdown;
- every method's headline against each numeric ground-truth field, for models of known making.

Figures come in tiers so the page reads from overview to detail: the methods' headline figures
(tier 0), the cross-method figure (1), the methods' detail figures (2), ground truth (3).
"""

from __future__ import annotations

import math
from collections import Counter
from numbers import Real
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from distillscope.audit.evidence import Evidence
from distillscope.audit.method import METHODS
from distillscope.audit.present import ReportSection
from distillscope.audit.report.plotting import (
    PALETTE,
    FigureSpec,
    dropdown,
    error_bars,
    figure_spec,
    plot_text,
    visibility,
)
from distillscope.audit.results import AuditResults


def _short(method: str) -> str:
    return METHODS.get(method).short if method in METHODS else method.upper()


def _ordered_measures(evidence: list[Evidence]) -> list[str]:
    """Measure names, the headline first."""
    names = list(dict.fromkeys(m.name for e in evidence for m in e.measures))
    lead = next((e.headline for e in evidence if e.headline in names), None)
    return sorted(names, key=lambda n: n != lead)


def headline_against_headline(results: AuditResults, labels: dict[str, str]) -> FigureSpec | None:
    """The paper's main figure: each target's second-method headline against its first-method score."""
    methods = [m for m in results.methods if results.method_evidence(m)]
    if len(methods) < 2:
        return None
    x_method, y_method = methods[0], methods[1]
    xs_by_target = {e.model: e for e in results.method_evidence(x_method)}
    ys_by_target = {e.model: e for e in results.method_evidence(y_method)}
    shown = [t for t in results.targets if t.model in xs_by_target and t.model in ys_by_target]
    y_lead = [ys_by_target[t.model].lead for t in shown]
    y_name = next((m.name for m in y_lead if m is not None), "")
    x_names = _ordered_measures(list(xs_by_target.values()))
    figure = go.Figure()
    ys = [m.value if m else None for m in y_lead]
    names = [plot_text(labels.get(t.model, t.label)) for t in shown]
    x_short, y_short = _short(x_method), _short(y_method)
    for index, name in enumerate(x_names):
        xs = [_value(xs_by_target[t.model], name) for t in shown]
        figure.add_scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=names,
            textposition="top center",
            cliponaxis=False,
            marker={"size": 12, "color": [PALETTE[i % len(PALETTE)] for i in range(len(shown))]},
            error_y=error_bars(ys, [m.low if m else None for m in y_lead], [m.high if m else None for m in y_lead]),
            hovertemplate=f"%{{text}}<br>{plot_text(x_short)} {plot_text(name)}: %{{x:.3f}}<br>"
            f"{plot_text(y_short)} {plot_text(y_name)}: %{{y:.3f}}<extra></extra>",
            name=plot_text(name),
            showlegend=False,
            visible=index == 0,
        )
    figure.update_layout(
        xaxis_title=plot_text(f"{x_short} {x_names[0]}") if x_names else plot_text(x_short),
        yaxis={"title": {"text": plot_text(f"{y_short} {y_name}")}, "rangemode": "nonnegative"},
    )
    if len(x_names) > 1:
        args = [
            [{"visible": visibility(list(range(len(x_names))), i)}, {"xaxis.title.text": plot_text(f"{x_short} {n}")}]
            for i, n in enumerate(x_names)
        ]
        figure.update_layout(updatemenus=[dropdown([f"{x_short}: {n}" for n in x_names], args)])
    return figure_spec(
        "fig-main",
        f"{y_short} {y_name} against {x_short}",
        "After the paper's main figure: a target high on both axes answers like the reference and, by the second "
        "method too, resembles it. Error bars: the 95% interval of the vertical score.",
        figure,
        height=460,
    )


def _value(evidence: Evidence | None, name: str) -> float | None:
    measure = evidence.measure(name) if evidence is not None else None
    return measure.value if measure is not None else None


# ------------------------------------------------------------------------------------ ground truth
def numeric_truths(results: AuditResults) -> list[str]:
    """Ground-truth keys with a number for at least two targets: those can be plotted against."""
    counts: Counter[str] = Counter()
    for target in results.targets:
        for key, value in (target.ground_truth or {}).items():
            if _number(value) is not None:
                counts[key] += 1
    return [key for key, count in counts.items() if count >= 2]


def scores_vs_truth(results: AuditResults, labels: dict[str, str]) -> FigureSpec | None:
    """Measured against known: each method's headline score against each numeric truth."""
    keys = numeric_truths(results)
    methods = [m for m in results.methods if results.method_evidence(m)]
    if not keys or not methods:
        return None
    titles = []
    for method in methods:
        lead = _ordered_measures(results.method_evidence(method))
        titles.append(f"{_short(method)} {lead[0] if lead else ''}")
    figure = make_subplots(rows=1, cols=len(methods), subplot_titles=[plot_text(t) for t in titles])
    groups: list[int] = []
    for index, key in enumerate(keys):
        known = [t for t in results.targets if _number((t.ground_truth or {}).get(key)) is not None]
        xs = [_number((t.ground_truth or {})[key]) for t in known]
        names = [plot_text(labels.get(t.model, t.model)) for t in known]
        for column, method in enumerate(methods, start=1):
            lead = _ordered_measures(results.method_evidence(method))[0]
            values = [_value(results.evidence_of(method, t.model), lead) for t in known]
            figure.add_scatter(
                x=xs,
                y=values,
                mode="markers+text",
                text=names,
                textposition="top center",
                cliponaxis=False,
                marker={"size": 11, "color": PALETTE[(column - 1) % len(PALETTE)]},
                hovertemplate=f"%{{text}}<br>{plot_text(key)}: %{{x}}<br>score: %{{y:.3f}}<extra></extra>",
                showlegend=False,
                visible=index == 0,
                row=1,
                col=column,
            )
            groups.append(index)
    figure.update_xaxes(title_text=plot_text(keys[0]))
    if len(keys) > 1:
        axes = [f"xaxis{'' if c == 1 else c}.title.text" for c in range(1, len(methods) + 1)]
        args = [[{"visible": visibility(groups, i)}, dict.fromkeys(axes, plot_text(k))] for i, k in enumerate(keys)]
        figure.update_layout(updatemenus=[dropdown([f"truth: {k}" for k in keys], args)])
    return figure_spec(
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


def build_figures(
    results: AuditResults, labels: dict[str, str], sections: dict[str, ReportSection]
) -> list[FigureSpec]:
    tiers: list[tuple[int, FigureSpec]] = [pair for section in sections.values() for pair in section.figures]
    main = headline_against_headline(results, labels)
    if main is not None:
        tiers.append((1, main))
    truth = scores_vs_truth(results, labels)
    if truth is not None:
        tiers.append((3, truth))
    return [figure for _, figure in sorted(tiers, key=lambda pair: pair[0])]
