"""Plotly helpers every figure of the report shares: one look, safe labels, dropdowns, error bars.

Figures are plain data (`FigureSpec`: plotly's `data` and `layout`), drawn in the browser by the
plotly.js bundle inlined in the page. Figures where a reader chooses (which judge, which rate) carry
a dropdown rather than one copy per choice, so the page stays short.

Every string that reaches a figure is passed through `plot_text`: plotly draws labels with a small
HTML-like markup of its own (<b>, <a href>, <br>), and a model's name or an identity string must be
shown as written, never interpreted as markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

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


def figure_spec(fig_id: str, title: str, caption: str, figure: go.Figure, height: int = 420) -> FigureSpec:
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


def error_bars(values: Sequence[float | None], lows: Sequence[float | None], highs: Sequence[float | None]) -> dict:
    """Asymmetric error bars: a CI's distance above and below its value (0 where unknown)."""
    above = [h - v if v is not None and h is not None else 0 for v, h in zip(values, highs, strict=True)]
    below = [v - lo if v is not None and lo is not None else 0 for v, lo in zip(values, lows, strict=True)]
    return {"type": "data", "symmetric": False, "array": above, "arrayminus": below, "thickness": 1.2, "width": 4}


def dropdown(labels: Sequence[str], args: Sequence[list[Any]], method: str = "update") -> dict[str, Any]:
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


def visibility(groups: Sequence[int], chosen: int) -> list[bool]:
    """Which traces show when group `chosen` is picked; `groups[i]` is trace i's group."""
    return [group == chosen for group in groups]
