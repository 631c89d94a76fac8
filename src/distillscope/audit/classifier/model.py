"""The classifier itself: the reference's answers against the panel's, a linear model on features.

Logistic regression is enough for this (the idiosyncrasy paper's linear probes come close to its
fine-tuned ones) and fits in about a second. Classes are weighted to balance: the panel holds
several models' answers for each one of the reference's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from distillscope.audit.classifier.features import FeatureSpace
from distillscope.audit.texts import TextTable


@dataclass(frozen=True)
class ReferenceClassifier:
    features: FeatureSpace
    model: object

    def score(self, rows: np.ndarray) -> np.ndarray:
        """P(the reference wrote it), per text (row of the audit's table)."""
        if not len(rows):
            return np.zeros(0)
        return self.model.predict_proba(self.features.transform(rows))[:, 1]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ClassifierLearner:
    """A `crossfit.Learner`: a fresh classifier of the reference against the panel for each fit."""

    table: TextTable
    embeddings: np.ndarray | None
    words: bool
    chars: bool
    c: float
    seed: int

    def fit(self, positives: np.ndarray, negatives: np.ndarray) -> ReferenceClassifier:
        from sklearn.linear_model import LogisticRegression

        rows = np.concatenate([positives, negatives])
        labels = np.concatenate([np.ones(len(positives), dtype=int), np.zeros(len(negatives), dtype=int)])
        features = FeatureSpace.fit(self.table, rows, self.embeddings, self.words, self.chars)
        model = LogisticRegression(C=self.c, class_weight="balanced", max_iter=2000, random_state=self.seed)
        model.fit(features.transform(rows), labels)
        return ReferenceClassifier(features, model)
