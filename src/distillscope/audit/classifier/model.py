"""The classifier itself: the reference's answers against the panel's, a linear model on features.

Logistic regression is enough for this (the idiosyncrasy paper's linear probes come close to its
fine-tuned ones) and fits in well under a second. Classes are weighted to balance: the panel holds
several models' answers for each one of the reference's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from distillscope.audit.classifier.features import Featurizer
from distillscope.audit.crossfit import Fit
from distillscope.judges.similarity.encoding import Encoder


class ReferenceClassifier:
    def __init__(self, featurizer: Featurizer, model: object) -> None:
        self.featurizer = featurizer
        self.model = model

    def score(self, texts: Sequence[str]) -> Sequence[float]:
        """P(the reference wrote it), per text."""
        if not texts:
            return []
        return self.model.predict_proba(self.featurizer.transform(texts))[:, 1]  # type: ignore[attr-defined]


def fitter(embeddings: Encoder | None, words: bool, chars: bool, c: float, seed: int) -> Fit:
    """A `Fit` for `crossfit.cross_fitted`: a fresh classifier of the reference against the panel."""
    from sklearn.linear_model import LogisticRegression

    def fit(reference: Sequence[str], panel: Sequence[str]) -> ReferenceClassifier:
        texts = [*reference, *panel]
        labels = np.asarray([1] * len(reference) + [0] * len(panel))
        featurizer = Featurizer(embeddings, words, chars).fit(texts)
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=seed)
        model.fit(featurizer.transform(texts), labels)
        return ReferenceClassifier(featurizer, model)

    return fit
