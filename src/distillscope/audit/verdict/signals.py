"""Each target's signals tested against the null panel, for one reference: the shared step of a verdict.

A method names the measures that count for a verdict (`AuditMethod.verdict_signals`); each is tested
against the panel (`nulls`), a method's tests are combined into one p-value and the methods into one
(Simes, `combine`), so three judges do not outvote ICE. `score_lines` gathers the score signals
that have a ceiling, which the share and the attribution read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from pydantic import BaseModel

from distillscope.audit.evidence import Evidence, ItemValues
from distillscope.audit.method import METHODS
from distillscope.audit.verdict.combine import simes
from distillscope.audit.verdict.nulls import NullTest, beta_null, null_test
from distillscope.audit.verdict.sequential import SequentialTest
from distillscope.audit.verdict.settings import VerdictSettings
from distillscope.audit.verdict.share import SignalLine


class SignalResult(BaseModel):
    method: str
    signal: str
    kind: str
    p_value: float
    statistic: float | None
    target: float | None
    null_mean: float | None
    null_spread: float | None
    panel: int
    items: int


def _by(evidence: Sequence[Evidence], method: str, reference: str, role: str) -> dict[str, Evidence]:
    return {e.model: e for e in evidence if e.method == method and e.reference == reference and e.role == role}


def verdict_signals(method: str, sample: Evidence) -> list[str]:
    if method in METHODS:
        return METHODS.get(method).verdict_signals(sample)
    return [m.name for m in sample.measures]


def against_panel(
    evidence: Sequence[Evidence],
    methods: Sequence[str],
    target: str,
    reference: str,
    seed: int,
    sequential: VerdictSettings | None = None,
) -> tuple[float, dict[str, float], list[SignalResult]]:
    """The target's combined p-value against the panel, each method's, and every signal's test.

    With `sequential` (the settings of a run that stopped asking when decided), a binary signal's
    p-value is the sequential test's anytime-valid one, which stays valid however the run stopped;
    a fixed-sample p-value would not."""
    per_method: dict[str, float] = {}
    signals: list[SignalResult] = []
    for method in methods:
        own = _by(evidence, method, reference, "target").get(target)
        panel = list(_by(evidence, method, reference, "panel").values())
        if own is None or len(panel) < 2:
            continue
        tests: list[NullTest] = []
        for name in verdict_signals(method, own):
            values = own.item_values(name)
            others = [p.item_values(name) for p in panel]
            if values is None or any(o is None for o in others) or not values.ids:
                continue
            measure = own.measure(name)
            closer = measure is None or measure.closer == "higher"
            test = null_test(name, values, others, closer, seed_key=f"{seed}:{method}:{target}:{reference}")  # type: ignore[arg-type]
            if sequential is not None and values.kind == "binary":
                test = anytime(test, values, others, sequential)  # type: ignore[arg-type]
            tests.append(test)
        if not tests:
            continue
        per_method[method] = simes([t.p_value for t in tests])
        signals += [SignalResult(method=method, **_finite_fields(t.as_dict())) for t in tests]
    combined = simes(list(per_method.values())) if per_method else math.nan
    return combined, per_method, signals


def score_lines(
    evidence: Sequence[Evidence], target: str, reference: str, methods: Sequence[str] | None = None
) -> list[SignalLine]:
    """The target's score signals that have a ceiling and a panel (of the given methods, else of all), for
    the share and the attribution."""
    lines = []
    for e in evidence:
        if e.model != target or e.reference != reference or e.role != "target":
            continue
        if methods is not None and e.method not in methods:
            continue
        ceiling = next(
            (c for c in evidence if c.method == e.method and c.reference == reference and c.role == "ceiling"), None
        )
        panel = {
            p.model: p for p in evidence if p.method == e.method and p.reference == reference and p.role == "panel"
        }
        if ceiling is None or len(panel) < 2:
            continue
        for values in e.items:
            ceiling_values = ceiling.item_values(values.signal)
            panel_values = {model: p.item_values(values.signal) for model, p in panel.items()}
            if (
                values.kind == "score"
                and ceiling_values is not None
                and all(v is not None for v in panel_values.values())
            ):
                lines.append(SignalLine(values.signal, values, panel_values, ceiling_values))  # type: ignore[arg-type]
    return lines


def _finite_fields(values: dict[str, Any]) -> dict[str, Any]:
    """JSON holds no infinity nor NaN: an infinite statistic (a panel that could not vary) is written as
    ±1e300, an undefined one as None."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, float) and math.isinf(value):
            value = math.copysign(1e300, value)
        elif isinstance(value, float) and math.isnan(value):
            value = None
        out[key] = value
    return out


def anytime(test: NullTest, values: ItemValues, panel: Sequence[ItemValues], settings: VerdictSettings) -> NullTest:
    """The binary test with its p-value from the sequential probability ratio test (Ville's bound)."""
    counts = [(round(sum(p.values)), len(p.values)) for p in panel]
    sprt = SequentialTest.from_null(beta_null(counts), settings.min_rate_gain, settings.alpha, settings.beta)
    _, _, p = sprt.run(values.values)
    return replace(test, p_value=p)
