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

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


def features(text: str) -> Counter[str]:
    tokens = _TOKEN.findall(text.lower())
    found: Counter[str] = Counter(tokens)
    found.update(" ".join(tokens[i : i + 2]) for i in range(len(tokens) - 1))
    found.update(" ".join(tokens[i : i + 3]) for i in range(len(tokens) - 2))
    for name, pattern in _LAYOUT:
        found[name] += len(pattern.findall(text))
    return found


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
    """The reference's markers against the panel, most over-used first."""
    ref, other = _totals(reference), _totals(panel)
    n_ref, n_other = sum(ref.values()), sum(other.values())
    if not n_ref or not n_other:
        return []
    pooled = n_ref + n_other
    strength = min(PRIOR_STRENGTH, 0.1 * pooled)
    markers = []
    for feature, y_ref in ref.items():
        if y_ref < MIN_SUPPORT:
            continue
        y_other = other.get(feature, 0)
        alpha = HALF_COUNT + strength * (y_ref + y_other) / pooled
        delta = math.log((y_ref + alpha) / (n_ref + strength - y_ref - alpha + 2 * HALF_COUNT)) - math.log(
            (y_other + alpha) / (n_other + strength - y_other - alpha + 2 * HALF_COUNT)
        )
        z = delta / math.sqrt(1 / (y_ref + alpha) + 1 / (y_other + alpha))
        if z >= Z_THRESHOLD:
            markers.append(Marker(feature, z, 1000 * y_ref / n_ref, 1000 * y_other / n_other))
    return sorted(markers, key=lambda m: -m.z)[:MAX_MARKERS]


class MarkerScorer:
    def __init__(self, markers: Sequence[Marker]) -> None:
        self.weights = {m.feature: m.z for m in markers}

    def score(self, texts: Sequence[str]) -> list[float]:
        out = []
        for text in texts:
            found = features(text)
            total = sum(found.values())
            weighted = sum(self.weights.get(f, 0.0) * c for f, c in found.items())
            out.append(100 * weighted / total if total else 0.0)
        return out


def fit_markers(reference: Sequence[str], panel: Sequence[str]) -> MarkerScorer:
    return MarkerScorer(over_used(reference, panel))


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
