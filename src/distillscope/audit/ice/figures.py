"""ICE's figures: the three rates per target, successes by question category, the identities claimed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import plotly.graph_objects as go

from distillscope.audit.ice.questions import CATEGORIES
from distillscope.audit.ice.results import ICE_RATES, ICEResults, ICETargetResult, ScoreCI
from distillscope.audit.report.plotting import PALETTE, FigureSpec, dropdown, error_bars, figure_spec, plot_text

RATE_COLOURS = {"loose": "#9ecae1", "strict": "#3182bd", "hard": "#08519c"}


def ice_rates(ice: ICEResults, labels: dict[str, str]) -> FigureSpec:
    targets = ice.targets
    names = [plot_text(labels.get(t.target, t.target)) for t in targets]
    figure = go.Figure()
    for rate in ICE_RATES:
        cis = [_rate(t, rate) for t in targets]
        values = [c.value for c in cis]
        figure.add_bar(
            name=rate,
            x=names,
            y=values,
            error_y=error_bars(values, [c.low for c in cis], [c.high for c in cis]),
            customdata=[[c.positives, c.n] for c in cis],
            hovertemplate=f"%{{x}}<br>{rate}: %{{y:.3f}} (%{{customdata[0]}} of %{{customdata[1]}})<extra></extra>",
            marker_color=RATE_COLOURS[rate],
        )
    figure.update_layout(
        barmode="group", yaxis={"title": {"text": "share of judged responses"}, "rangemode": "nonnegative"}
    )
    return figure_spec(
        "fig-ice-rates",
        "ICE: identity claims under jailbreak fuzzing",
        "Loose: the response claims an identity other than the target's own. Strict: it claims a source family "
        "(the reference's). Hard: strict, and the prompt did not itself name a source. Wilson 95% CIs; every rate "
        "is over the responses actually judged.",
        figure,
    )


def _rate(target: ICETargetResult, rate: str) -> ScoreCI:
    return getattr(target.scores, rate)


def category_successes(ice: ICEResults, labels: dict[str, str]) -> FigureSpec:
    """Jailbreak successes per identity-question category, per target; the rate chosen from a dropdown."""
    targets = ice.targets
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
    figure.update_layout(updatemenus=[dropdown([f"rate: {r}" for r in ICE_RATES], args)])
    return figure_spec(
        "fig-categories",
        "Jailbreak successes by identity category",
        "How many fuzzed queries in each category of identity question (team, cooperation, industry, technology, "
        "geography) drew a claim of another identity.",
        figure,
    )


NO_CLAIM = "no identity claimed"


def claimed_identities(ice: ICEResults, labels: dict[str, str], sources: Sequence[str]) -> FigureSpec:
    """Which identities each target claimed, as a share of its judged responses (a response may claim several)."""
    targets = ice.targets
    totals: Counter[str] = Counter()
    names: dict[str, str] = {}
    source_set = set(sources)
    for target in targets:
        for share in target.scores.identities:
            totals[share.family] += share.count
            names[share.family] = share.name + (" ★" if share.family in source_set else "")
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
    return figure_spec(
        "fig-identities",
        "Claimed identities",
        "Each cell: how many of a target's judged responses claimed that identity (colour: share of judged "
        "responses). ★ marks a source family, the reference's side.",
        figure,
        height=max(260, 120 + 48 * len(targets)),
    )
