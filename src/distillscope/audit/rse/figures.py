"""RSE's figures: similarity per domain and target, one judge at a time."""

from __future__ import annotations

import plotly.graph_objects as go

from distillscope.audit.report.plotting import (
    PALETTE,
    FigureSpec,
    dropdown,
    error_bars,
    figure_spec,
    plot_text,
    visibility,
)
from distillscope.audit.rse.results import JudgeTable, RSEResults, ScoreRow


def row_name(row: ScoreRow, labels: dict[str, str]) -> str:
    name = labels.get(row.label, row.label)
    if row.role == "ceiling":
        return f"{name} · ceiling"
    if row.role == "floor":
        return f"{name} · floor"
    return name


def rse_by_domain(rse: RSEResults, labels: dict[str, str]) -> FigureSpec:
    """Bars per target and domain, with bootstrap CIs; one judge at a time, chosen from a dropdown."""
    figure = go.Figure()
    groups: list[int] = []
    domains = [d.name for d in rse.domains]
    for index, table in enumerate(rse.tables):
        names = [plot_text(row_name(row, labels)) for row in table.rows]
        for position, domain in enumerate(domains):
            cells = [row.cells.get(domain) for row in table.rows]
            values = [c.value if c else None for c in cells]
            figure.add_bar(
                name=plot_text(domain),
                x=names,
                y=values,
                error_y=error_bars(
                    values, [c.low if c else None for c in cells], [c.high if c else None for c in cells]
                ),
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
    tables = rse.tables
    figure.update_layout(barmode="group", yaxis_title=plot_text(scale_title(tables[0])) if tables else "")
    if len(tables) > 1:
        args = [
            [{"visible": visibility(groups, i)}, {"yaxis.title.text": plot_text(scale_title(table))}]
            for i, table in enumerate(tables)
        ]
        figure.update_layout(updatemenus=[dropdown([f"judge: {t.judge}" for t in tables], args)])
    return figure_spec(
        "fig-rse-domains",
        "RSE by domain",
        "Mean similarity of each target's responses to the reference's, per prompt domain, with bootstrap 95% "
        "CIs; the average is the unweighted mean of the domains (the paper's score). The ceiling compares the "
        "reference with a second sample of itself.",
        figure,
    )


def scale_title(table: JudgeTable) -> str:
    return f"{table.judge}: {table.scale.describe()}"
