"""Each target's signals tested against the null panel, for one reference: the shared step of a verdict.

A method names the measures that count for a verdict (`AuditMethod.verdict_signals`), and the runner
hands that choice in (`counted`), so the verdict knows no method; each chosen measure is tested
against the panel (`nulls`), a method's tests are combined into one p-value and the methods into one
(Simes, `combine`), so three judges do not outvote ICE. `score_lines` gathers the score signals
that have a ceiling, which the share and the attribution read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from pydantic import BaseModel

from distillscope.audit.evidence import CEILING_ROLE, TARGET_ROLE, Evidence, ItemValues, panel_evidence
from distillscope.audit.verdict.combine import simes
from distillscope.audit.verdict.nulls import NullTest, null_test
from distillscope.audit.verdict.sequential import outcome_counts, sequential_test
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


SignalChooser = Callable[[str, Evidence], list[str]]  # (method, a target's evidence) → the measures that count


def every_measure(method: str, sample: Evidence) -> list[str]:
    """The choice for evidence of no known method: every measure it reports counts."""
    return [m.name for m in sample.measures]


def _target_evidence(evidence: Sequence[Evidence], method: str, reference: str, target: str) -> Evidence | None:
    found = (e for e in evidence if e.method == method and e.reference == reference and e.role == TARGET_ROLE)
    return next((e for e in found if e.model == target), None)


def against_panel(
    evidence: Sequence[Evidence],
    methods: Sequence[str],
    target: str,
    reference: str,
    seed: int,
    sequential: VerdictSettings | None = None,
    *,
    counted: SignalChooser,
) -> tuple[float, dict[str, float], list[SignalResult]]:
    """The target's combined p-value against the panel, each method's, and every signal's test.

    With `sequential` (the settings of a run that stopped asking when decided), a binary signal's
    p-value is the sequential test's anytime-valid one, which stays valid however the run stopped;
    a fixed-sample p-value would not."""
    per_method: dict[str, float] = {}
    signals: list[SignalResult] = []
    for method in methods:
        own = _target_evidence(evidence, method, reference, target)
        panel = panel_evidence(evidence, method, reference)
        if own is None or not panel.calibrates:
            continue
        tests: list[NullTest] = []
        for name in counted(method, own):
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
        if e.model != target or e.reference != reference or e.role != TARGET_ROLE:
            continue
        if methods is not None and e.method not in methods:
            continue
        ceiling = next(
            (c for c in evidence if c.method == e.method and c.reference == reference and c.role == CEILING_ROLE),
            None,
        )
        panel_members = panel_evidence(evidence, e.method, reference)
        panel = {p.model: p for p in panel_members}
        if ceiling is None or not panel_members.calibrates:
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
    sprt = sequential_test([outcome_counts(p.values) for p in panel], settings)
    _, _, p = sprt.run(values.values)
    return replace(test, p_value=p)
