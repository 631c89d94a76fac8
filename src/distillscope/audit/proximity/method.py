"""Proximity as an audit method: is a target's answer nearer the reference's than unrelated models' are?

Reads the answers every text signal shares (no calls of its own when RSE runs), compares each
answer with the reference's and the panel's answers to the same prompt (`measure.py`), and reports
per model the mean, over prompts, of the share of panel answers further from it than the
reference's: 0.5 for a model no nearer the reference than unrelated models are to one another,
1 for one whose every answer has the reference's as its nearest. Needs a panel, no judge and no key.
With RSE's second sample of the reference (`rse.ceiling`), that sample is the ceiling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from distillscope.audit.crossfit import evidence_from_scores, mean_row
from distillscope.audit.evidence import Evidence
from distillscope.audit.method_settings import EncoderSettings
from distillscope.audit.per_reference import PerReference, ReferenceJob
from distillscope.audit.present import MethodPresenter, ReportSection
from distillscope.audit.proximity.measure import nearness, view_vectors
from distillscope.audit.resolve import ResolvedAudit
from distillscope.audit.responses import (
    answer_texts,
    embedding_material,
    response_settings,
    table_embeddings,
    table_ngrams,
)
from distillscope.audit.tables import Table, means_table

if TYPE_CHECKING:
    from distillscope.audit.results import AuditResults

SIGNAL = "nearness"
SCORES_VERSION = 3  # bump when the scores' computation changes: kept scores of another version are not reused


class ProximitySettings(EncoderSettings):
    """The `proximity:` section of an audit."""

    views: list[Literal["embedding", "words", "chars"]] = Field(
        default_factory=lambda: ["embedding", "words", "chars"],
        description="How nearness is read: sentence embeddings, word and character TF-IDF (cosines, averaged).",
    )


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


class ProximityMethod(PerReference[ProximitySettings], MethodPresenter):
    name, title, short, rank = "proximity", "Proximity (nearest answer)", "NEAR", 25
    results_type = ProximityResults
    scores_version = SCORES_VERSION

    def wants_ceiling(self, audit: ResolvedAudit, settings: ProximitySettings) -> bool:
        """RSE's second sample of the reference, when RSE asks for it anyway: no call of proximity's own."""
        return response_settings(audit).ceiling and "rse" in audit.job.selected_methods()

    def shared_work(self, job: ReferenceJob[ProximitySettings]) -> dict:
        """Built on first need: a rerun whose scores were kept embeds and tokenises nothing."""
        settings, table = job.settings, job.table
        embeddings = None
        if "embedding" in settings.views:
            embeddings = table_embeddings(table, settings.embedding_model, job.store, job.hooks, self.name)
        table_ngrams(table, job.hooks, self.name)
        texts = [t for answers in job.everyone for t in answer_texts(answers)]
        built = view_vectors(table, embeddings, texts)
        return {k: v for k, v in built.items() if k in settings.views}

    def extra_material(self, job: ReferenceJob[ProximitySettings]) -> dict:
        embedded = "embedding" in job.settings.views
        return {"ceiling": job.ceiling, **embedding_material(job.settings.embedding_model, embedded)}

    def score(self, job: ReferenceJob[ProximitySettings]) -> dict:
        views = job.shared()
        job.hooks.stage(f"proximity: nearness to {job.label}")
        return nearness(job.answers, job.table, views, ceiling=job.ceiling)

    def evidence(self, job: ReferenceJob[ProximitySettings], scores: dict) -> list[Evidence]:
        scale = "share of panel answers further than the reference's, 0–1 (0.5: as near as unrelated models)"
        return evidence_from_scores(self.name, SIGNAL, scale, scores, job.answers, (job.reference.model, job.label))

    def results(self, job: ReferenceJob[ProximitySettings], scores: dict, evidence: list[Evidence]) -> ProximityResults:
        rows = [ModelNearness(**mean_row(e)) for e in evidence]
        return ProximityResults(reference=job.label, run_id=job.run.id, views=job.settings.views, models=rows)

    def cli_tables(self, raw: ProximityResults, labels: dict[str, str]) -> list[Table]:
        return [_table(raw)]

    def report_section(self, results: AuditResults, labels: dict[str, str]) -> ReportSection:
        return ReportSection(tables=[_table(results.raw[self.name])])


def _table(raw: ProximityResults) -> Table:
    caption = (
        "Per prompt, the share of the null panel's answers (other than the model's own) that lie further from "
        f"the model's answer than the reference's does, by {', '.join(raw.views)} cosines, averaged; mean over "
        "prompts, domains weighed equally, bootstrap 95% interval. 0.5: no nearer the reference than unrelated "
        "models are to each other."
    )
    title = f"Proximity: how often {raw.reference}'s answer is nearer than the panel's"
    return means_table(title, "nearness", raw.models, caption)


PROXIMITY_METHOD = ProximityMethod()
