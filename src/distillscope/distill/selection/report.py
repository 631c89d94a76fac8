"""The picture of a MiniPLM selection: how the difference scores spread, and where the cut fell.

One self-contained HTML page (the installed plotly.js is inlined, as in the audit report), so it
opens offline. The figure is built from binned counts, never from one point per document, so a
corpus of millions of documents still gives a page of a few megabytes that draws at once. Only
numbers and our own labels reach the figure; document text never does.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

from distillscope.fileio.files import write_atomic

KEPT, DROPPED = "#4c78a8", "#bab0ac"


def bin_edges(scores: np.ndarray) -> np.ndarray:
    """About √n bins (10 to 80) across the observed scores."""
    bins = min(80, max(10, int(math.sqrt(max(1, scores.size)))))
    if scores.size == 0:
        return np.linspace(-1.0, 1.0, bins + 1)
    return np.histogram_bin_edges(scores, bins=bins)


def histogram_html(scores: np.ndarray, keep: np.ndarray, threshold: float | None, title: str) -> str:
    """A stacked histogram of kept and dropped documents' scores, with the cut drawn as a line."""
    import plotly.graph_objects as go

    valid = ~np.isnan(scores)
    edges = bin_edges(scores[valid])
    centres = (edges[:-1] + edges[1:]) / 2
    width = float(edges[1] - edges[0]) if edges.size > 1 else 1.0
    kept, _ = np.histogram(scores[valid & keep], bins=edges)
    dropped, _ = np.histogram(scores[valid & ~keep], bins=edges)
    figure = go.Figure()
    for name, counts, colour in (("kept", kept, KEPT), ("dropped", dropped, DROPPED)):
        figure.add_bar(
            x=centres.tolist(),
            y=counts.tolist(),
            width=width,
            name=f"{name} ({int(counts.sum()):,})",
            marker_color=colour,
            hovertemplate="score %{x:.3f}<br>%{y} documents<extra>" + name + "</extra>",
        )
    if threshold is not None:
        figure.add_vline(
            x=threshold,
            line={"color": "#e45756", "width": 2, "dash": "dash"},
            annotation_text=f"cut {threshold:.4f}",
            annotation_position="top",
        )
    figure.update_layout(
        title=html.escape(title, quote=False),
        barmode="stack",
        bargap=0.02,
        template="plotly_white",
        xaxis_title="score = teacher's mean log-likelihood − reference's (nats per token)",
        yaxis_title="documents",
        height=460,
    )
    return figure.to_html(include_plotlyjs=True, full_html=True)


def write_histogram(path: Path, scores: np.ndarray, keep: np.ndarray, threshold: float | None, title: str) -> Path:
    write_atomic(path, histogram_html(scores, keep, threshold, title))
    return path
