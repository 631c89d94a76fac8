"""What the idiosyncrasy classifier sees of a text: its sentence embedding, its words and its letters.

Sun et al. ("Idiosyncrasies in LLMs", 2025) tell five chat models apart from text alone with a
classifier on embeddings, and the signal survives paraphrase; word and character n-grams catch
what embeddings smooth over: pet words, formatting, punctuation. Embeddings come from the shared
encoder (each text once, kept in the run store, so RSE's embedding judge has usually done the work);
n-gram vocabularies are fitted on the training texts of each fold only.
"""

from __future__ import annotations

from collections.abc import Sequence

from scipy import sparse

from distillscope.judges.similarity.encoding import Encoder


class Featurizer:
    """Embeddings beside word (1–2) and character (3–5) n-gram TF-IDF, fitted on the training texts."""

    def __init__(self, embeddings: Encoder | None, words: bool, chars: bool) -> None:
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
            parts.append(sparse.csr_matrix(self.embeddings.vectors(texts)))
        return sparse.hstack(parts).tocsr()
