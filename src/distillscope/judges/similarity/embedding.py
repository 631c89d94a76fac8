"""Embedding similarity: the cosine between sentence embeddings of the two responses.

This is the offline stand-in for the paper's BERTScore baseline: it captures content and, to a
lesser degree, register, with no model calls. The default encoder is all-MiniLM-L6-v2, shipped as a
package so it works offline; texts are judged on their first 128 word pieces (`encoding.py` says
why). Encoding goes through `encoding.Encoder`: each distinct text once, kept in the run
store, so the reference's answer is encoded once for all the targets beside it and never again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np

from distillscope.judges.base import Judgment
from distillscope.judges.similarity.base import JudgeScale, JudgmentCallback, OfflineJudge, ResponsePair
from distillscope.judges.similarity.encoder_name import DEFAULT_EMBEDDING_MODEL
from distillscope.judges.similarity.encoding import Encoder, load_encoder
from distillscope.store import RunStore

__all__ = ["DEFAULT_EMBEDDING_MODEL", "EmbeddingJudge", "load_encoder"]


class EmbeddingJudge(OfflineJudge):
    def __init__(
        self, model: str = DEFAULT_EMBEDDING_MODEL, batch_size: int = 16, store: RunStore | None = None
    ) -> None:
        self.model_name = model
        self.encoder = Encoder(model, store, batch_size)
        self.name = "embedding" if model == DEFAULT_EMBEDDING_MODEL else f"embedding:{model}"
        self.scale = JudgeScale(low=-1.0, high=1.0, label=f"cosine similarity ({model})")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text; each distinct text is encoded once, ever, per store."""
        return self.encoder.vectors(texts)

    async def judge_many(
        self, pairs: Sequence[ResponsePair], on_result: JudgmentCallback | None = None
    ) -> list[Judgment]:
        """The store is read and written here, on the event loop's thread (SQLite connections stay in
        their thread); only the encoding of texts never seen runs in a worker thread."""
        missing = self.encoder.recall([p.reference for p in pairs] + [p.target for p in pairs])
        if missing:
            self.encoder.keep(missing, await asyncio.to_thread(self.encoder.encode, missing))
        judgments = self.score_pairs(pairs)
        if on_result is not None:
            for judgment in judgments:
                on_result(judgment)
        return judgments

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
