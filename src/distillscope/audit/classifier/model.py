"""The classifier itself: the reference's answers against the panel's, a linear model on features.

Logistic regression is enough for this (the idiosyncrasy paper's linear probes come close to its
fine-tuned ones) and fits in about a second. Classes are weighted to balance: the panel holds
several models' answers for each one of the reference's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

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


@dataclass
class ClassifierLearner:
    """A `crossfit.Learner`: a classifier of the reference against the panel for each fit.

    The fits of one fold differ by one panel model each, so their solutions lie close together: each
    starts from the fold's fit on the whole panel (`prepare`), its weights carried over by n-gram
    (features of its own vocabulary the whole-panel fit lacked start at zero). They converge to the
    same optimum in a third of the iterations; the objective, and so the model, is that of a fit from
    zero up to the solver's tolerance."""

    table: TextTable
    embeddings: np.ndarray | None
    words: bool
    chars: bool
    c: float
    seed: int
    _anchor: ReferenceClassifier | None = None

    def prepare(self, positives: np.ndarray, negatives: np.ndarray) -> None:
        self._anchor = None
        self._anchor = self.fit(positives, negatives)

    def for_workers(self) -> ClassifierLearner:
        """This learner as worker processes get it: the table's counts without its texts (fits use rows)."""
        return replace(self, table=self.table.counts_only(), _anchor=None)

    def fit(self, positives: np.ndarray, negatives: np.ndarray) -> ReferenceClassifier:
        from sklearn.linear_model import LogisticRegression

        rows = np.concatenate([positives, negatives])
        labels = np.concatenate([np.ones(len(positives), dtype=int), np.zeros(len(negatives), dtype=int)])
        features = FeatureSpace.fit(self.table, rows, self.embeddings, self.words, self.chars)
        model = LogisticRegression(C=self.c, class_weight="balanced", max_iter=2000, random_state=self.seed)
        if self._anchor is not None:
            start = self._anchor.model
            model.set_params(warm_start=True)
            model.coef_ = carried_weights(start.coef_, self._anchor.features, features)  # type: ignore[attr-defined]
            model.intercept_ = start.intercept_.copy()  # type: ignore[attr-defined]
        model.fit(features.transform(rows), labels)
        return ReferenceClassifier(features, model)


def carried_weights(weights: np.ndarray, old: FeatureSpace, new: FeatureSpace) -> np.ndarray:
    """A (1, features) weight row of `old`'s features laid out as `new`'s: by n-gram column, then the
    embedding dimensions; features `old` lacks get zero."""
    out = np.zeros((1, new.width), dtype=float)
    offset_old, offset_new = 0, 0
    for (_, old_view), (_, new_view) in zip(old.views, new.views, strict=True):
        found = np.searchsorted(old_view.columns, new_view.columns)  # both sorted by column
        found = np.minimum(found, max(len(old_view.columns) - 1, 0))
        shared = old_view.columns[found] == new_view.columns if len(old_view.columns) else np.zeros(0, dtype=bool)
        targets = offset_new + np.flatnonzero(shared)
        out[0, targets] = weights[0, offset_old + found[shared]]
        offset_old += len(old_view.columns)
        offset_new += len(new_view.columns)
    if new.embeddings is not None:
        dims = new.embeddings.shape[1]
        out[0, offset_new : offset_new + dims] = weights[0, offset_old : offset_old + dims]
    return out
