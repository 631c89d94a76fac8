"""The classifier's figure: how its probabilities spread, per model, against the panel's."""

from __future__ import annotations

import plotly.graph_objects as go

from distillscope.audit.classifier.results import BINS, ClassifierResults
from distillscope.audit.evidence import CEILING_ROLE, PANEL_ROLE, TARGET_ROLE
from distillscope.audit.report.plotting import PALETTE, FigureSpec, figure_spec, plot_text

ROLE_COLOURS = {TARGET_ROLE: PALETTE[0], PANEL_ROLE: "#9d9d9d", CEILING_ROLE: PALETTE[2]}


def probability_histograms(raw: ClassifierResults) -> FigureSpec:
    """Share of each model's answers per probability bin: distilled models lean right, the panel left."""
    figure = go.Figure()
    centres = [(i + 0.5) / BINS for i in range(BINS)]
    for model in raw.models:
        total = sum(model.histogram) or 1
        figure.add_scatter(
            x=centres,
            y=[c / total for c in model.histogram],
            mode="lines+markers",
            name=plot_text(f"{model.label} ({model.role})" if model.role != "target" else model.label),
            line={
                "color": ROLE_COLOURS.get(model.role, PALETTE[0]),
                "dash": "dot" if model.role == PANEL_ROLE else "solid",
            },
            hovertemplate="%{fullData.name}<br>P in bin %{x:.2f}: %{y:.0%} of answers<extra></extra>",
        )
    figure.update_layout(
        xaxis={"title": {"text": plot_text(f"P({raw.reference} wrote it)")}, "range": [0, 1]},
        yaxis={"title": {"text": "share of answers"}, "rangemode": "nonnegative"},
    )
    return figure_spec(
        "fig-classifier",
        "Idiosyncrasy classifier: the probability distribution",
        "Each model's answers by the classifier's probability that the reference wrote them (cross-fitted). "
        "Dotted: the null panel.",
        figure,
    )
