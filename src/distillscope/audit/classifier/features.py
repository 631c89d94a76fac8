"""What the idiosyncrasy classifier sees of a text: its sentence embedding, its words and its letters.

Sun et al. ("Idiosyncrasies in LLMs", 2025) tell five chat models apart from text alone with a
classifier on embeddings, and the signal survives paraphrase; word and character n-grams catch
what embeddings smooth over: pet words, formatting, punctuation. Embeddings are computed once per
distinct text; n-gram vocabularies are fitted on the training texts of each fold only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from distillscope.judges.similarity.embedding import load_encoder


class TextEmbeddings:
    """Unit sentence embeddings, each distinct text encoded once for the whole run."""

    def __init__(self, model: str, batch_size: int = 64) -> None:
        self.model = model
        self.batch_size = batch_size
        self._vectors: dict[str, np.ndarray] = {}

    def add(self, texts: Sequence[str]) -> None:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            encoder = load_encoder(self.model)
            vectors = encoder.encode(
                missing, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
            self._vectors.update(zip(missing, np.asarray(vectors, dtype=np.float32), strict=True))

    def matrix(self, texts: Sequence[str]) -> np.ndarray:
        self.add(texts)
        return np.vstack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 0), dtype=np.float32)


class Featurizer:
    """Embeddings beside word (1–2) and character (3–5) n-gram TF-IDF, fitted on the training texts."""

    def __init__(self, embeddings: TextEmbeddings | None, words: bool, chars: bool) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.embeddings = embeddings
        self.vectorizers = []
        if words:
            self.vectorizers.append(
                TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=20000)
            )
        if chars:
            self.vectorizers.append(
                TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True, max_features=30000)
            )

    def fit(self, texts: Sequence[str]) -> Featurizer:
        for vectorizer in self.vectorizers:
            vectorizer.fit(texts)
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        parts = [vectorizer.transform(texts) for vectorizer in self.vectorizers]
        if self.embeddings is not None:
            parts.append(sparse.csr_matrix(self.embeddings.matrix(texts)))
        return sparse.hstack(parts).tocsr()
