"""The style profile as an audit method: does a target write with the reference's pet words?

The reference's markers are learned against the null panel (`profile.py`), cross-fitted over prompts
and left-one-panel-model-out (`audit/crossfit.py`), and each answer is scored by how densely it
uses them. The report shows the strongest markers a target shares with the reference, each with a
sentence of the target's that uses it. Reads the answers every text signal shares; no judge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from distillscope.audit.crossfit import cross_fitted, evidence_from_scores, mean_row
from distillscope.audit.evidence import PANEL_ROLE, Evidence
from distillscope.audit.markers.profile import Marker, MarkerLearner, example_sentence, log_odds_markers
from distillscope.audit.method_settings import CrossFitSettings
from distillscope.audit.per_reference import PerReference, ReferenceJob
from distillscope.audit.present import MethodPresenter, ReportSection
from distillscope.audit.responses import Answers, table_markers
from distillscope.audit.tables import Cell, Table, interval, num
from distillscope.audit.texts import TextTable

if TYPE_CHECKING:
    from distillscope.audit.results import AuditResults

SIGNAL = "marker_density"
SHOWN = 5
SCORES_VERSION = 1  # bump when the scores' computation changes: kept scores of another version are not reused
SHARED_RATIO = 2.0  # a target shares a marker when it uses it at least this many times the panel's rate


class MarkerSettings(CrossFitSettings):
    """The `markers:` section of an audit."""


class SharedMarker(BaseModel):
    feature: str
    z: float
    target_rate: float = Field(description="Per 1,000 features.")
    panel_rate: float
    reference_rate: float
    example: str | None


class TargetMarkers(BaseModel):
    label: str
    role: str
    density: float | None
    low: float | None
    high: float | None
    n: int
    shared: list[SharedMarker]


class MarkerResults(BaseModel):
    kind: Literal["markers"] = "markers"
    reference: str
    run_id: str | None
    markers: list[tuple[str, float]] = Field(description="The reference's markers on all prompts: feature, z.")
    models: list[TargetMarkers]


class MarkerMethod(PerReference[MarkerSettings], MethodPresenter):
    name, title, short, rank = "markers", "Style profile (over-used words and layout)", "STY", 40
    results_type = MarkerResults
    scores_version = SCORES_VERSION

    def extra_material(self, job: ReferenceJob[MarkerSettings]) -> dict:
        return {"first": job.first}

    def score(self, job: ReferenceJob[MarkerSettings]) -> dict:
        settings, table = job.settings, job.table
        table_markers(table, job.hooks, self.name)
        with job.hooks.steps(f"markers: cross-fitting against {job.label}", settings.folds) as step:
            scores = cross_fitted(job.answers, table, MarkerLearner(table), settings.folds, settings.seed, step)
        profile = None
        if job.first:  # the report's profile speaks of the audit's own reference
            found = _evidence(scores, job.answers, ("", job.label))
            profile = profile_results(job.answers, table, found, job.label, "").model_dump(mode="json")
        return {"scores": scores, "profile": profile}

    def evidence(self, job: ReferenceJob[MarkerSettings], scores: dict) -> list[Evidence]:
        return _evidence(scores["scores"], job.answers, (job.reference.model, job.label))

    def results(
        self, job: ReferenceJob[MarkerSettings], scores: dict, evidence: list[Evidence]
    ) -> MarkerResults | None:
        if scores["profile"] is None:
            return None
        return MarkerResults.model_validate({**scores["profile"], "run_id": job.run.id})

    def cli_tables(self, raw: MarkerResults, labels: dict[str, str]) -> list[Table]:
        return [_density_table(raw)]

    def report_section(self, results: AuditResults, labels: dict[str, str]) -> ReportSection:
        raw: MarkerResults = results.raw[self.name]
        top = ", ".join(f"“{f}”" for f, _ in raw.markers[:15])
        return ReportSection(tables=[_density_table(raw), _shared_table(raw)], facts=[("reference's markers", top)])


def _evidence(scores: dict, answers: Answers, reference: tuple[str, str]) -> list[Any]:
    return evidence_from_scores("markers", SIGNAL, "reference markers per 100 features", scores, answers, reference)


def profile_results(
    answers: Answers, table: TextTable, evidence: list[Any], reference: str, run_id: str
) -> MarkerResults:
    """The profile on all prompts and the whole panel, and what each model shares of it."""
    counts, names = table.marker_counts
    panel_texts = [t for a in answers.of(PANEL_ROLE) for t in a.texts.values()]
    reference_totals = _totals(counts, table, list(answers.reference.values()))
    panel_totals = _totals(counts, table, panel_texts)
    found = log_odds_markers(reference_totals, panel_totals)
    markers = [Marker(str(names[column]), z, ref_rate, panel_rate) for column, z, ref_rate, panel_rate in found]
    columns = {m.feature: column for m, (column, *_) in zip(markers, found, strict=True)}
    panel_rates, reference_rates = _rates(panel_totals), _rates(reference_totals)
    owners = {(a.model, a.role): a for a in answers.subjects}
    models = []
    for e in evidence:
        own = owners.get((e.model, e.role))
        texts = list(own.texts.values()) if own is not None else list(answers.reference.values())
        rates = _rates(_totals(counts, table, texts))
        shown = [
            m
            for m in markers
            if rates[columns[m.feature]] >= SHARED_RATIO * max(float(panel_rates[columns[m.feature]]), 1e-9)
        ][:SHOWN]  # an example sentence is looked for only where it is shown: the search reads every answer
        shared = [
            SharedMarker(
                feature=m.feature,
                z=m.z,
                target_rate=float(rates[columns[m.feature]]),
                panel_rate=float(panel_rates[columns[m.feature]]),
                reference_rate=float(reference_rates[columns[m.feature]]),
                example=example_sentence(texts, m.feature),
            )
            for m in shown
        ]
        row = mean_row(e)
        row["density"] = row.pop("mean")
        models.append(TargetMarkers(**row, shared=shared))
    return MarkerResults(reference=reference, run_id=run_id, markers=[(m.feature, m.z) for m in markers], models=models)


def _totals(counts: Any, table: TextTable, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros(counts.shape[1])
    return np.asarray(counts[table.rows(texts)].sum(axis=0)).ravel()


def _rates(totals: np.ndarray) -> np.ndarray:
    """Per 1,000 features."""
    count = totals.sum()
    return 1000 * totals / count if count else np.zeros_like(totals)


def _density_table(raw: MarkerResults) -> Table:
    rows = [
        [Cell(m.label, m.role if m.role != "target" else ""), Cell(num(m.density), interval(m.low, m.high), f"n={m.n}")]
        for m in raw.models
    ]
    return Table(
        f"Style profile: {raw.reference}'s markers per 100 features",
        ["model", "marker density"],
        rows,
        caption="The reference's over-used words, phrases and layout marks (log-odds against the null panel with an "
        "informative prior), learned on other prompts and without the model scored; z-weighted uses per 100 "
        "features, mean over prompts with a bootstrap 95% interval.",
    )


def _shared_table(raw: MarkerResults) -> Table:
    rows = []
    for m in raw.models:
        if m.role != "target":
            continue
        for marker in m.shared or [None]:
            if marker is None:
                rows.append([Cell(m.label), Cell("none shared"), Cell(""), Cell("")])
                continue
            rows.append(
                [
                    Cell(m.label),
                    Cell(marker.feature, f"z={marker.z:.1f}"),
                    Cell(
                        f"{marker.target_rate:.2f} vs {marker.panel_rate:.2f}", f"reference {marker.reference_rate:.2f}"
                    ),
                    Cell(marker.example or "–"),
                ]
            )
    return Table(
        "The reference's markers each target shares, with an example",
        ["target", "marker", "per 1,000: target vs panel", "example sentence from the target"],
        rows,
        caption=f"Markers a target uses at least {SHARED_RATIO:g}× the panel's rate; the strongest {SHOWN} per target.",
        numeric_from=99,
    )


MARKER_METHOD = MarkerMethod()
__all__ = ["MARKER_METHOD", "Marker", "MarkerResults", "MarkerSettings"]
