"""Proximity as an audit method: is a target's answer nearer the reference's than unrelated models' are?

Reads the answers every text signal shares (no calls of its own when RSE runs), compares each
answer with the reference's and the panel's answers to the same prompt (`measure.py`), and reports
per model the mean, over prompts, of the share of panel answers further from it than the
reference's: 0.5 for a model no nearer the reference than unrelated models are to one another,
1 for one whose every answer has the reference's as its nearest. Needs a panel, no judge and no key.
With RSE's second sample of the reference (`rse.ceiling`), that sample is the ceiling.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from distillscope.audit.crossfit import evidence_from_scores
from distillscope.audit.evidence import Evidence
from distillscope.audit.kept import answers_material, kept
from distillscope.audit.method import AuditMethod, Hooks, MethodPlan, MethodRun, ReferenceRun, finish_reference_runs
from distillscope.audit.present import MethodPresenter, ReportSection
from distillscope.audit.proximity.measure import nearness, view_vectors
from distillscope.audit.resolve import ResolvedAudit
from distillscope.audit.responses import (
    Answers,
    all_answers,
    answer_texts,
    plan_answers,
    response_settings,
    shared_table,
    table_embeddings,
    table_ngrams,
)
from distillscope.audit.tables import Cell, Table, interval, num
from distillscope.judges.similarity.encoding import DEFAULT_EMBEDDING_MODEL
from distillscope.store import RunStore

if TYPE_CHECKING:
    from distillscope.audit.results import AuditResults

RESULTS_FILE = "proximity.json"
SIGNAL = "nearness"
SCORES_VERSION = 3  # bump when the scores' computation changes: kept scores of another version are not reused


class ProximitySettings(BaseModel):
    """The `proximity:` section of an audit."""

    model_config = ConfigDict(extra="forbid")

    views: list[Literal["embedding", "words", "chars"]] = Field(
        default_factory=lambda: ["embedding", "words", "chars"],
        description="How nearness is read: sentence embeddings, word and character TF-IDF (cosines, averaged).",
    )
    embedding_model: str = Field(DEFAULT_EMBEDDING_MODEL, description="Sentence encoder for the embedding view.")


class ModelNearness(BaseModel):
    label: str
    role: str
    mean: float | None
    low: float | None
    high: float | None
    n: int


class ProximityResults(BaseModel):
    kind: Literal["proximity"] = "proximity"
    reference: str
    run_id: str | None
    views: list[str]
    models: list[ModelNearness]


class ProximityMethod(AuditMethod[ProximitySettings], MethodPresenter):
    name = "proximity"
    title = "Proximity (nearest answer)"
    short = "NEAR"
    settings_type = ProximitySettings
    rank = 25
    needs_panel = True
    results_type = ProximityResults
    results_file = RESULTS_FILE

    def plan(self, audit: ResolvedAudit, settings: ProximitySettings, store: RunStore) -> MethodPlan:
        return plan_answers(audit, store, self.name)

    async def run(
        self, audit: ResolvedAudit, settings: ProximitySettings, store: RunStore, folder: Path | None, hooks: Hooks
    ) -> MethodRun:
        # RSE's second sample of the reference, when RSE asks for it anyway: no call of proximity's own.
        with_ceiling = response_settings(audit).ceiling and "rse" in audit.job.selected_methods()
        collected = await all_answers(audit, store, "proximity", hooks, ceiling=with_ceiling)
        table = shared_table(audit, [answers for _, answers, _ in collected])
        made: dict[str, dict] = {}

        def views() -> dict:
            """Built on first need: a rerun whose scores were kept embeds and tokenises nothing."""
            if "views" not in made:
                embeddings = None
                if "embedding" in settings.views:
                    embeddings = table_embeddings(table, settings.embedding_model, store, hooks, self.name)
                table_ngrams(table, hooks, self.name)
                texts = [t for _, answers, _ in collected for t in answer_texts(answers)]
                built = view_vectors(table, embeddings, texts)
                made["views"] = {k: v for k, v in built.items() if k in settings.views}
            return made["views"]

        runs: list[ReferenceRun] = []
        for reference, answers, run in collected:

            def measure(answers: Answers = answers, label: str = reference.label) -> dict:
                built = views()
                hooks.stage(f"proximity: nearness to {label}")
                return nearness(answers, table, built, ceiling=with_ceiling)

            material = {"settings": settings.model_dump(mode="json"), "answers": answers_material(answers)}
            scores = kept(store, self.name, SCORES_VERSION, {**material, "ceiling": with_ceiling}, measure)
            found = evidence_from_scores(
                self.name,
                SIGNAL,
                "share of panel answers further than the reference's, 0–1 (0.5: as near as unrelated models)",
                scores,
                answers,
                (reference.model, reference.label),
            )
            raw = None
            if not runs:
                raw = ProximityResults(
                    reference=reference.label, run_id=run.id, views=settings.views, models=[_row(e) for e in found]
                )
            runs.append(ReferenceRun(found, run.usage(), run.id, raw))
        return finish_reference_runs(runs, folder, RESULTS_FILE)

    def cli_tables(self, raw: ProximityResults, labels: dict[str, str]) -> list[Table]:
        return [_table(raw)]

    def report_section(self, results: AuditResults, labels: dict[str, str]) -> ReportSection:
        return ReportSection(tables=[_table(results.raw[self.name])])


def _row(evidence: Evidence) -> ModelNearness:
    measure = evidence.measures[0]
    return ModelNearness(
        label=evidence.label,
        role=evidence.role,
        mean=measure.value,
        low=measure.low,
        high=measure.high,
        n=measure.n,
    )


def _table(raw: ProximityResults) -> Table:
    rows = [
        [Cell(m.label, m.role if m.role != "target" else ""), Cell(num(m.mean), interval(m.low, m.high), f"n={m.n}")]
        for m in raw.models
    ]
    return Table(
        f"Proximity: how often {raw.reference}'s answer is nearer than the panel's",
        ["model", "nearness"],
        rows,
        caption="Per prompt, the share of the null panel's answers (other than the model's own) that lie further from "
        f"the model's answer than the reference's does, by {', '.join(raw.views)} cosines, averaged; mean over "
        "prompts, domains weighed equally, bootstrap 95% interval. 0.5: no nearer the reference than unrelated "
        "models are to each other.",
    )


PROXIMITY_METHOD = ProximityMethod()
