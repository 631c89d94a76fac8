"""Lexical n-gram overlap: the paper's 2-gram baseline, made to work for Chinese too.

Chinese and Japanese are written without spaces, so splitting on whitespace would make a whole
sentence one "word" and any two sentences share no bigram. Each CJK character is therefore its own
unit (so CJK bigrams are character bigrams, the usual choice for Chinese overlap metrics), while
runs of letters and digits stay words. The score is the F1 of clipped n-gram counts, as ROUGE-N
computes it: symmetric, 1 for identical texts and 0 for texts with no n-gram in common.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from distillscope.judges.base import Judgment
from distillscope.judges.similarity.base import JudgeScale, OfflineJudge, ResponsePair

CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_UNITS = re.compile(rf"[{CJK_CHARS}]|[^\W_{CJK_CHARS}]+")


def text_units(text: str) -> list[str]:
    """Lower-cased words, with every CJK character a unit of its own."""
    return _UNITS.findall(text.lower())


def ngrams(units: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(units[i : i + n]) for i in range(len(units) - n + 1))


def overlap_f1(reference: str, target: str, n: int = 2) -> tuple[float, float, float]:
    """(F1, precision, recall) of the target's n-grams against the reference's.

    Texts too short to hold an n-gram fall back to shorter n-grams, so "Yes." against "Yes." is
    still identical; two empty texts are identical, an empty text against a non-empty one shares
    nothing.
    """
    ref_units, tgt_units = text_units(reference), text_units(target)
    if not ref_units and not tgt_units:
        return 1.0, 1.0, 1.0
    order = max(1, min(n, len(ref_units), len(tgt_units)))
    ref_grams, tgt_grams = ngrams(ref_units, order), ngrams(tgt_units, order)
    common = sum((ref_grams & tgt_grams).values())
    if common == 0:
        return 0.0, 0.0, 0.0
    precision = common / sum(tgt_grams.values())
    recall = common / sum(ref_grams.values())
    return 2 * precision * recall / (precision + recall), precision, recall


class LexicalJudge(OfflineJudge):
    def __init__(self, n: int = 2) -> None:
        self.n = n
        self.name = "lexical" if n == 2 else f"lexical-{n}gram"
        self.scale = JudgeScale(low=0.0, high=1.0, label=f"{n}-gram overlap F1")

    def score_pairs(self, pairs: Sequence[ResponsePair]) -> list[Judgment]:
        out = []
        for pair in pairs:
            f1, precision, recall = overlap_f1(pair.reference, pair.target, self.n)
            out.append(
                Judgment(
                    judge=self.name,
                    score=f1,
                    reason=f"{self.n}-gram F1 {f1:.3f} (precision {precision:.3f}, recall {recall:.3f})",
                    details={"precision": precision, "recall": recall},
                )
            )
        return out
