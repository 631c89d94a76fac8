"""The idiosyncrasy classifier as an audit method: does a target write like the reference?

A classifier learns to tell the reference's answers from the null panel's answers to the same
prompts (sentence embeddings, word and character n-grams, a linear model). A target's score is the
mean probability of "the reference wrote it" over its answers; a model trained on the reference's
outputs picks up its idiosyncrasies and scores high, and an unrelated one scores like the panel.
Everything is cross-fitted (`audit/crossfit.py`): no answer is scored by a classifier trained on
its own prompt, and no panel model by a classifier that saw it. The answers are the ones every text
signal shares (the `rse:` section's prompts and sampling), so the classifier asks nothing new
when RSE runs beside it. Needs no judge and no key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from distillscope.audit.classifier.model import ClassifierLearner
from distillscope.audit.classifier.results import BINS, ClassifierResults, ModelScores
from distillscope.audit.crossfit import Scores, cross_fitted, evidence_from_scores, mean_row
from distillscope.audit.evidence import Evidence
from distillscope.audit.method_settings import EncoderSettings, LogisticSettings
from distillscope.audit.per_reference import PerReference, ReferenceJob
from distillscope.audit.present import MethodPresenter, ReportSection
from distillscope.audit.responses import (
    embedding_material,
    table_embeddings,
    table_ngrams,
)
from distillscope.audit.tables import Table, means_table
from distillscope.audit.texts import worker_processes

if TYPE_CHECKING:
    from distillscope.audit.results import AuditResults

SIGNAL = "p_reference"
SCORES_VERSION = 2  # bump when the scores' computation changes: kept scores of another version are not reused


class ClassifierSettings(LogisticSettings, EncoderSettings):
    """The `classifier:` section of an audit."""

    features: list[Literal["embedding", "words", "chars"]] = Field(
        default_factory=lambda: ["embedding", "words", "chars"], description="What the classifier reads."
    )


class ClassifierMethod(PerReference[ClassifierSettings], MethodPresenter):
    name, title, short, rank = "classifier", "Idiosyncrasy classifier", "CLS", 30
    results_type = ClassifierResults
    scores_version = SCORES_VERSION

    def shared_work(self, job: ReferenceJob[ClassifierSettings]) -> ClassifierLearner:
        """Built on first need: a rerun whose scores were kept embeds and tokenises nothing."""
        settings, table = job.settings, job.table
        embeddings = None
        if "embedding" in settings.features:
            embeddings = table_embeddings(table, settings.embedding_model, job.store, job.hooks, self.name)
        words, chars = "words" in settings.features, "chars" in settings.features
        if words or chars:
            table_ngrams(table, job.hooks, self.name)
        return ClassifierLearner(table, embeddings, words, chars, settings.c, settings.seed)

    def extra_material(self, job: ReferenceJob[ClassifierSettings]) -> dict:
        return embedding_material(job.settings.embedding_model, "embedding" in job.settings.features)

    def score(self, job: ReferenceJob[ClassifierSettings]) -> Scores:
        learner, settings = job.shared(), job.settings
        with job.hooks.steps(f"classifier: cross-fitting against {job.label}", settings.folds) as step:
            workers = worker_processes(len(job.table), settings.folds)  # its fits take seconds each
            return cross_fitted(job.answers, job.table, learner, settings.folds, settings.seed, step, workers)

    def evidence(self, job: ReferenceJob[ClassifierSettings], scores: Scores) -> list[Evidence]:
        reference = (job.reference.model, job.reference.label)
        scale = "P(reference wrote it), 0–1"
        return evidence_from_scores(self.name, SIGNAL, scale, scores, job.answers, reference, _histogram)

    def results(
        self, job: ReferenceJob[ClassifierSettings], scores: Scores, evidence: list[Evidence]
    ) -> ClassifierResults:
        return ClassifierResults(
            reference=job.reference.label,
            run_id=job.run.id,
            models=[_model_scores(e) for e in evidence],
            settings=job.settings.model_dump(mode="json"),
        )

    def cli_tables(self, raw: ClassifierResults, labels: dict[str, str]) -> list[Table]:
        return [_table(raw)]

    def report_section(self, results: AuditResults, labels: dict[str, str]) -> ReportSection:
        from distillscope.audit.classifier.figures import probability_histograms

        raw: ClassifierResults = results.raw[self.name]
        return ReportSection(tables=[_table(raw)], figures=[(2, probability_histograms(raw))])


def _histogram(scores: dict[str, float]) -> list[int]:
    counts, _ = np.histogram(list(scores.values()), bins=BINS, range=(0.0, 1.0))
    return [int(c) for c in counts]


def _model_scores(evidence: Evidence) -> ModelScores:
    return ModelScores(**mean_row(evidence), model=evidence.model, histogram=evidence.summary or [])


def _table(raw: ClassifierResults) -> Table:
    return means_table(
        f"Idiosyncrasy classifier: P({raw.reference} wrote it)",
        "mean probability",
        raw.models,
        "A linear classifier of the reference's answers against the null panel's (sentence embeddings, word "
        "and character n-grams), cross-fitted over prompts and, for panel models, left out of its own training. "
        "Mean over prompts, domains weighed equally, bootstrap 95% interval. The ceiling is the reference's "
        "own answers to the held-out prompts.",
    )


CLASSIFIER_METHOD = ClassifierMethod()
