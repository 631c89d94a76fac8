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

from distillscope.audit.responses import Answers
from distillscope.audit.texts import TextTable, TfidfView

VIEWS = ("embedding", "words", "chars")


def view_vectors(table: TextTable, embeddings: np.ndarray | None) -> dict[str, sparse.csr_matrix | np.ndarray]:
    """Every text of the table as unit vectors, per view."""
    everything = np.arange(len(table))
    views: dict[str, sparse.csr_matrix | np.ndarray] = {}
    if embeddings is not None:
        views["embedding"] = embeddings
    views["words"] = TfidfView.fit(table.words, everything).transform(table.words, everything)
    views["chars"] = TfidfView.fit(table.chars, everything).transform(table.chars, everything)
    return views


def nearness(
    answers: Answers, table: TextTable, views: dict[str, sparse.csr_matrix | np.ndarray], ceiling: bool
) -> dict[str, dict[str, float]]:
    """model (or "ceiling") → item uid → share of the panel's answers further from it than the reference's."""
    panel = answers.of("panel")
    owners = [(a.model, a.texts, [p for p in panel if p.model != a.model]) for a in answers.subjects]
    if ceiling and answers.ceiling is not None:
        owners.append(("ceiling", answers.ceiling.texts, panel))
    out: dict[str, dict[str, float]] = {name: {} for name, _, _ in owners}
    for uid, reference in answers.reference.items():
        present = [p for p in panel if uid in p.texts]
        if len(present) < 2:
            continue
        others = table.rows([p.texts[uid] for p in present])
        position = {p.model: i for i, p in enumerate(present)}
        anchor = table.rows([reference])
        for name, texts, comparison in owners:
            if uid not in texts:
                continue
            keep = np.asarray([position[p.model] for p in comparison if p.model in position], dtype=int)
            if keep.size == 0:
                continue
            own = table.rows([texts[uid]])
            out[name][uid] = float(np.mean([_share_further(views[v], own, anchor, others[keep]) for v in views]))
    return out


def _share_further(
    vectors: sparse.csr_matrix | np.ndarray, own: np.ndarray, reference: np.ndarray, others: np.ndarray
) -> float:
    """The share of `others` less similar to `own` than `reference` is (ties half), by cosine."""
    to_reference = _cosines(vectors, own, reference)[0]
    to_others = _cosines(vectors, own, others)
    return float(np.mean((to_others < to_reference) + 0.5 * (to_others == to_reference)))


def _cosines(vectors: sparse.csr_matrix | np.ndarray, own: np.ndarray, rows: Sequence[int] | np.ndarray) -> np.ndarray:
    product = vectors[own] @ vectors[np.asarray(rows)].T
    dense = product.toarray() if sparse.issparse(product) else np.asarray(product)
    return dense.ravel()
