"""What the idiosyncrasy classifier sees of a text: its sentence embedding, its words and its letters.

Sun et al. ("Idiosyncrasies in LLMs", 2025) tell five chat models apart from text alone with a
classifier on embeddings, and the signal survives paraphrase; word and character n-grams catch
what embeddings smooth over: pet words, formatting, punctuation. Embeddings come from the shared
encoder (each text once, kept in the run store, so RSE's embedding judge has usually done the work).
The n-gram vocabularies and weights are those of the training texts of each fit only, read off the
audit's count matrices (`audit/texts.py`) rather than by tokenising the texts again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from distillscope.audit.texts import TextTable, TfidfView

WORD_FEATURES = 20000
CHAR_FEATURES = 30000


@dataclass(frozen=True)
class FeatureSpace:
    """The features of one fit: TF-IDF views learned on its training rows, beside the embeddings."""

    table: TextTable
    views: tuple[tuple[sparse.csr_matrix, TfidfView], ...]
    embeddings: np.ndarray | None  # one row per text of the table

    @classmethod
    def fit(
        cls, table: TextTable, rows: np.ndarray, embeddings: np.ndarray | None, words: bool, chars: bool
    ) -> FeatureSpace:
        views = []
        if words:
            views.append((table.words, TfidfView.fit(table.words, rows, max_features=WORD_FEATURES)))
        if chars:
            views.append((table.chars, TfidfView.fit(table.chars, rows, max_features=CHAR_FEATURES)))
        return cls(table, tuple(views), embeddings)

    @property
    def width(self) -> int:
        """Features per text: the views' columns, then the embedding's dimensions."""
        embedding = self.embeddings.shape[1] if self.embeddings is not None else 0
        return sum(len(view.columns) for _, view in self.views) + embedding

    def transform(self, rows: np.ndarray) -> sparse.csr_matrix:
        parts = [view.transform(counts, rows) for counts, view in self.views]
        if self.embeddings is not None:
            parts.append(sparse.csr_matrix(self.embeddings[rows]))
        return sparse.hstack(parts, format="csr", dtype=np.float32)
