"""Exact and near-duplicate detection: MinHash signatures over word shingles, bucketed by LSH.

Duplicates waste training steps and overweight whatever the teacher likes to repeat. Exact
duplicates (equal after case, punctuation and spacing are ignored) are found by hashing. Near
duplicates are pairs whose shingle sets have a Jaccard similarity at or above a threshold: MinHash
estimates that similarity from short signatures, and banding the signatures (LSH) finds the
candidate pairs without comparing every pair. Candidates are then confirmed on the exact shingle
sets, so the banding only has to be generous, never precise.

Chinese and Japanese have no spaces: each CJK character counts as one word.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Hashable

import numpy as np

_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|[^\W_]+", re.UNICODE)
_MERSENNE = np.uint64((1 << 61) - 1)
# How far below the threshold the banding's S-curve sits, so true pairs are found with ~99% recall.
BAND_MARGIN = 0.15


def tokens(text: str) -> list[str]:
    """Lower-cased words, and CJK characters one by one; punctuation is dropped."""
    return _TOKEN.findall(text.lower())


def shingles(text: str, size: int = 3) -> set[str]:
    """Word n-grams of one size; a text shorter than that is a single shingle of all its words."""
    words = tokens(text)
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def jaccard(left: set[str], right: set[str]) -> float:
    if not left and not right:
        return 1.0
    return len(left & right) / len(left | right)


def exact_key(text: str) -> str:
    return hashlib.sha1(" ".join(tokens(text)).encode("utf-8")).hexdigest()


class MinHasher:
    """Signatures whose agreement rate estimates the Jaccard similarity of two shingle sets.

    Each of `num_perm` hash functions is h(x) = (a·x + b) mod (2^61 − 1) over a 32-bit hash x of
    the shingle; with a < 2^31 the product stays below 2^63, so uint64 arithmetic is exact.
    """

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self._a = rng.integers(1, 1 << 31, size=num_perm, dtype=np.uint64)
        self._b = rng.integers(0, (1 << 61) - 1, size=num_perm, dtype=np.uint64)

    def signature(self, shingle_set: set[str]) -> np.ndarray:
        if not shingle_set:
            return np.full(self.num_perm, _MERSENNE, dtype=np.uint64)
        hashed = np.fromiter(
            (int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=4).digest(), "little") for s in shingle_set),
            dtype=np.uint64,
            count=len(shingle_set),
        )
        values = (hashed[:, None] * self._a[None, :] + self._b[None, :]) % _MERSENNE
        return values.min(axis=0)


def band_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows): the most rows per band whose S-curve midpoint (1/b)^(1/r) is below the threshold."""
    target = max(threshold - BAND_MARGIN, 0.05)
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 1:
            break
        if (1 / bands) ** (1 / rows) <= target:
            best = (bands, rows)
    return best


class NearDuplicateIndex:
    """Texts seen so far; `find` names the first earlier text a new one duplicates.

    First come, first kept: feeding texts in a fixed order makes the result deterministic.
    """

    def __init__(self, threshold: float = 0.85, shingle_size: int = 3, num_perm: int = 128, seed: int = 1) -> None:
        if not 0 < threshold <= 1:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self.shingle_size = shingle_size
        self._hasher = MinHasher(num_perm, seed)
        self._bands, self._rows = band_layout(threshold, num_perm)
        self._buckets: list[dict[bytes, list[Hashable]]] = [defaultdict(list) for _ in range(self._bands)]
        self._shingles: dict[Hashable, set[str]] = {}
        self._position: dict[Hashable, int] = {}
        self._exact: dict[str, Hashable] = {}

    def __len__(self) -> int:
        return len(self._shingles)

    def find(self, text: str) -> tuple[str, Hashable] | None:
        """("duplicate" or "near_duplicate", key of the earlier text), or None when the text is new."""
        earlier = self._exact.get(exact_key(text))
        if earlier is not None:
            return "duplicate", earlier
        shingle_set = shingles(text, self.shingle_size)
        matches = [
            key
            for key in self._candidates(self._band_keys(shingle_set))
            if jaccard(shingle_set, self._shingles[key]) >= self.threshold
        ]
        return ("near_duplicate", matches[0]) if matches else None

    def add(self, key: Hashable, text: str) -> None:
        if key in self._shingles:
            raise ValueError(f"key {key!r} is already indexed")
        shingle_set = shingles(text, self.shingle_size)
        self._exact.setdefault(exact_key(text), key)
        self._shingles[key] = shingle_set
        self._position[key] = len(self._position)
        for bucket, band_key in zip(self._buckets, self._band_keys(shingle_set), strict=True):
            bucket[band_key].append(key)

    def check_and_add(self, key: Hashable, text: str) -> tuple[str, Hashable] | None:
        """`find`, then index the text only when it is new."""
        found = self.find(text)
        if found is None:
            self.add(key, text)
        return found

    def _band_keys(self, shingle_set: set[str]) -> list[bytes]:
        signature = self._hasher.signature(shingle_set)
        rows = self._rows
        return [signature[i * rows : (i + 1) * rows].tobytes() for i in range(self._bands)]

    def _candidates(self, band_keys: list[bytes]) -> list[Hashable]:
        """Earlier keys sharing at least one band, in the order they were added."""
        seen: dict[Hashable, None] = {}
        for bucket, band_key in zip(self._buckets, band_keys, strict=True):
            for key in bucket.get(band_key, ()):
                seen.setdefault(key, None)
        return sorted(seen, key=self._position.__getitem__)
