"""A style profile: the words, phrases and layout marks the reference over-uses, and who else uses them.

Over-used words ("delve") and n-grams carry a lab's fingerprint into models trained on its outputs.
A feature's over-use is its log-odds ratio between the reference's answers and the panel's, with an
informative Dirichlet prior (Monroe, Colaresi and Quinn 2008, "Fightin' Words"): the prior (the
feature's pooled rate times a strength of a tenth of the data, at most `PRIOR_STRENGTH`) shrinks
common features toward their shared rate, a half count on each side (Haldane) keeps a phrase the
panel never uses from an infinite ratio, and the z-score divides by the ratio's standard error, so
a word seen twice is not a marker however lopsided. Features are word
uni-, bi- and trigrams (Chinese by character), plus layout marks (bullets, numbering, headings,
bold), which is where much of a model's style lives.

An answer's score is its markers' z-weighted count per 100 features: how densely it writes in the
reference's voice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy import sparse

from distillscope.audit.texts import TextTable

PRIOR_STRENGTH = 1000.0  # at most this many pseudo-counts, spread over the features by their pooled rate
HALF_COUNT = 0.5
MIN_SUPPORT = 3  # a marker must appear at least this often in the reference's answers
Z_THRESHOLD = 1.96
MAX_MARKERS = 100

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[\u4e00-\u9fff]")
_LAYOUT = [
    ("⟨bullet⟩", re.compile(r"^\s*[-*•]\s", re.MULTILINE)),
    ("⟨numbered⟩", re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)),
    ("⟨heading⟩", re.compile(r"^\s*#{1,6}\s", re.MULTILINE)),
    ("⟨bold⟩", re.compile(r"\*\*[^*]+\*\*")),
    ("⟨exclamation⟩", re.compile(r"!")),
]


def feature_list(text: str) -> list[str]:
    """Every feature occurrence of a text: words, word bi- and trigrams, layout marks (one per use)."""
    tokens = _TOKEN.findall(text.lower())
    found = list(tokens)
    found += [f"{a} {b}" for a, b in pairwise(tokens)]
    found += [f"{a} {b} {c}" for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False)]
    for name, pattern in _LAYOUT:
        found += [name] * len(pattern.findall(text))
    return found


def features(text: str) -> Counter[str]:
    return Counter(feature_list(text))


def _totals(texts: Iterable[str]) -> Counter[str]:
    total: Counter[str] = Counter()
    for text in texts:
        total.update(features(text))
    return total


@dataclass(frozen=True)
class Marker:
    feature: str
    z: float
    reference_rate: float  # per 1,000 features
    panel_rate: float


def over_used(reference: Sequence[str], panel: Sequence[str]) -> list[Marker]:
    """The reference's markers against the panel, most over-used first (from texts)."""
    ref, other = _totals(reference), _totals(panel)
    names = np.asarray(sorted(set(ref) | set(other)), dtype=object)
    ref_counts = np.asarray([ref.get(n, 0) for n in names], dtype=float)
    other_counts = np.asarray([other.get(n, 0) for n in names], dtype=float)
    return [Marker(str(names[i]), z, rr, pr) for i, z, rr, pr in log_odds_markers(ref_counts, other_counts)]


def log_odds_markers(reference: np.ndarray, panel: np.ndarray) -> list[tuple[int, float, float, float]]:
    """(column, z, reference rate, panel rate) of the features the reference over-uses, strongest first,
    from the two sides' total counts per feature (one entry per column)."""
    n_ref, n_other = float(reference.sum()), float(panel.sum())
    if not n_ref or not n_other:
        return []
    pooled = n_ref + n_other
    strength = min(PRIOR_STRENGTH, 0.1 * pooled)
    candidates = np.flatnonzero(reference >= MIN_SUPPORT)
    y_ref, y_other = reference[candidates], panel[candidates]
    alpha = HALF_COUNT + strength * (y_ref + y_other) / pooled
    delta = np.log((y_ref + alpha) / (n_ref + strength - y_ref - alpha + 2 * HALF_COUNT)) - np.log(
        (y_other + alpha) / (n_other + strength - y_other - alpha + 2 * HALF_COUNT)
    )
    z = delta / np.sqrt(1 / (y_ref + alpha) + 1 / (y_other + alpha))
    kept = np.flatnonzero(z >= Z_THRESHOLD)
    order = kept[np.lexsort((candidates[kept], -z[kept]))][:MAX_MARKERS]
    return [
        (int(candidates[i]), float(z[i]), 1000 * float(y_ref[i]) / n_ref, 1000 * float(y_other[i]) / n_other)
        for i in order
    ]


@dataclass(frozen=True)
class MarkerScorer:
    """An answer's markers, z-weighted, per 100 of its features."""

    counts: sparse.csr_matrix
    weights: np.ndarray  # one per column: the marker's z, 0 for every other feature

    def score(self, rows: np.ndarray) -> np.ndarray:
        picked = self.counts[rows]
        totals = np.asarray(picked.sum(axis=1)).ravel()
        weighted = picked @ self.weights
        return np.where(totals > 0, 100 * weighted / np.maximum(totals, 1e-12), 0.0)


@dataclass(frozen=True)
class MarkerLearner:
    """A `crossfit.Learner`: the reference's markers against the given panel rows, from the audit's counts."""

    table: TextTable

    def fit(self, positives: np.ndarray, negatives: np.ndarray) -> MarkerScorer:
        counts, _ = self.table.marker_counts
        reference = np.asarray(counts[positives].sum(axis=0)).ravel()
        panel = np.asarray(counts[negatives].sum(axis=0)).ravel()
        weights = np.zeros(counts.shape[1])
        for column, z, _, _ in log_odds_markers(reference, panel):
            weights[column] = z
        return MarkerScorer(counts, weights)


def example_sentence(texts: Iterable[str], feature: str) -> str | None:
    """The first sentence (or line) of the texts that shows the feature."""
    for text in texts:
        for piece in re.split(r"(?<=[.!?。！？])\s+|\n", text):
            if feature.startswith("⟨"):
                if dict(_LAYOUT)[feature].search(piece):
                    return piece.strip()[:200]
            elif f" {feature} " in f" {' '.join(_TOKEN.findall(piece.lower()))} ":
                return piece.strip()[:200]
    return None
