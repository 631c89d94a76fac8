"""How near the reference a model's answer sits, measured against the panel's answers to the same prompt.

A plain similarity to the reference (RSE's question) mostly measures how good and how current a
model is: on real chat answers, strong models of unrelated labs write answers as close to
gpt-3.5-turbo's as models trained on its outputs do, and weak distilled models look far. What a
student inherits is more specific: on a given prompt, its answer is nearer the teacher's answer
than to the answers of other models of its kind. So each answer is compared with the reference's
answer *and* with every panel model's answer to the same prompt, and the item value is the share of
those panel answers that lie further from it than the reference's does (ties count half): 1 when
the reference's answer is its nearest neighbour, 0.5 when the reference is as near as a typical
unrelated model, whatever the prompt's difficulty or the model's quality.

A panel model is measured the same way against the other panel models, so under the null a target
is exchangeable with the panel (the mean over each leave-one-out comparison set of the fraction is
the fraction over the whole panel). Nearness is averaged over three views of a text: its sentence
embedding (meaning), its word TF-IDF vector (wording) and its character TF-IDF vector (spelling,
punctuation, layout), each a cosine. Nothing is learned from labels, so nothing is cross-fitted;
the TF-IDF weights are the audit's own texts' (no label enters them).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from distillscope.audit.evidence import PANEL_ROLE
from distillscope.audit.responses import Answers
from distillscope.audit.texts import TextTable, TfidfView

VIEWS = ("embedding", "words", "chars")


def view_vectors(
    table: TextTable, embeddings: np.ndarray | None, texts: Sequence[str] | None = None
) -> dict[str, sparse.csr_matrix | np.ndarray]:
    """Every text of the table as unit vectors, per view; the TF-IDF weights are those of `texts` (the
    audit's answers; all of the table's when not given)."""
    everything = np.arange(len(table))
    fitted = table.rows(list(dict.fromkeys(texts))) if texts is not None else everything
    views: dict[str, sparse.csr_matrix | np.ndarray] = {}
    if embeddings is not None:
        views["embedding"] = embeddings
    views["words"] = TfidfView.fit(table.words, fitted).transform(table.words, everything)
    views["chars"] = TfidfView.fit(table.chars, fitted).transform(table.chars, everything)
    return views


def nearness(
    answers: Answers, table: TextTable, views: dict[str, sparse.csr_matrix | np.ndarray], ceiling: bool
) -> dict[str, dict[str, float]]:
    """model (or "ceiling") → item uid → share of the panel's answers further from it than the reference's."""
    panel = answers.of(PANEL_ROLE)
    owners = [(a.model, a.texts, {p.model for p in panel if p.model != a.model}) for a in answers.subjects]
    if ceiling and answers.ceiling is not None:
        owners.append(("ceiling", answers.ceiling.texts, {p.model for p in panel}))
    out: dict[str, dict[str, float]] = {name: {} for name, _, _ in owners}
    for uid, reference in answers.reference.items():
        present = [p for p in panel if uid in p.texts]
        if len(present) < 2:
            continue
        # Every answer to this prompt once: the reference, the panel's, then each owner's own.
        texts = [reference, *(p.texts[uid] for p in present), *(t[uid] for _, t, _ in owners if uid in t)]
        rows = table.rows(texts)
        grams = [_gram(vectors, rows) for vectors in views.values()]
        position = {p.model: 1 + i for i, p in enumerate(present)}
        own = 1 + len(present)
        for name, own_texts, comparison in owners:
            if uid not in own_texts:
                continue
            others = np.asarray([position[m] for m in position if m in comparison], dtype=int)
            if others.size:
                out[name][uid] = float(np.mean([_share_further(g[own], others) for g in grams]))
            own += 1
    return out


def _gram(vectors: sparse.csr_matrix | np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Cosines between every pair of the given rows (unit vectors)."""
    picked = vectors[rows]
    product = picked @ picked.T
    return product.toarray() if sparse.issparse(product) else np.asarray(product)


def _share_further(cosines: np.ndarray, others: np.ndarray) -> float:
    """The share of `others` less similar to this answer than the reference (column 0) is, ties half."""
    to_reference, to_others = cosines[0], cosines[others]
    return float(np.mean((to_others < to_reference) + 0.5 * (to_others == to_reference)))
