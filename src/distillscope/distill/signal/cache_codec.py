"""The compact row of the teacher cache (format 3): top-k ids, their log-probs and the tail, bit-packed.

Format 2 spent 3 bytes per id and 2 per log-prob: 160 bytes per token at k = 32 and a 152k
vocabulary. Most of that is waste:

- Ids. The order of the k ids says nothing once each keeps its log-prob, so they are stored as a
  sorted set, in Elias-Fano code: the low L = floor(log2(V / k)) bits of each id as they are, and
  the high bits as a unary bitmap of k + (V >> L) + 1 bits. About 2 + log2(V / k) bits per id
  (14 at k = 32, V = 152k) against the 17.2 of a plain index, and every row has the same size, so a
  row is still found by multiplication.
- Log-probs. What matters for the KD loss is p times its error in log p, so precision goes where p
  is large: x = -log p is quantised uniformly in log(x + c) to `logprob_bits` bits. Near p = 1 the
  step in log p is about 1e-5; at p = 0.1 about 1%; below p = e^-40 everything is one value.
- The tail. The mass outside the top k is stored exactly (its log, float16) rather than left to
  1 - sum(top k), which quantised values would get wrong when the top k hold nearly everything.
  Decoding rescales the top k to sum to 1 - tail, so the k + 1 bins of the loss are a proper
  distribution. A cache for a temperature T != 1 stores the tail's log-mass at T as well, which
  the top k at T = 1 cannot tell (see `losses.topk_bins`).

At k = 32 and V = 152,064: 454 bits of ids, 320 of log-probs (10 bits), 16 of tail: 99 bytes.
Decoded rows come back sorted by log-prob, highest first, like format 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LOGPROB_BITS = 10
X_MAX = 40.0  # -log p is clipped here: p below 4e-18 is stored as e^-40
X_OFFSET = 1e-3  # the companding constant c in log(x + c)


@dataclass(frozen=True)
class RowLayout:
    """The fixed bit layout of one row for a given k, vocabulary, precision and number of tails."""

    k: int
    vocab: int
    logprob_bits: int = LOGPROB_BITS
    tails: int = 1  # 1: the tail's log-mass at T=1; 2: and at the cache's temperature

    @property
    def low_bits(self) -> int:
        return max(0, (self.vocab // self.k).bit_length() - 1)

    @property
    def high_bits(self) -> int:
        return self.k + ((self.vocab - 1) >> self.low_bits) + 1

    @property
    def bits(self) -> int:
        return self.k * self.low_bits + self.high_bits + self.k * self.logprob_bits + 16 * self.tails

    @property
    def row_bytes(self) -> int:
        return (self.bits + 7) // 8


def _to_bits(values: np.ndarray, width: int) -> np.ndarray:
    """[n, m] unsigned values -> [n, m * width] bits, most significant first."""
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64)
    bits = (values.astype(np.uint64)[..., None] >> shifts) & np.uint64(1)
    return bits.reshape(values.shape[0], -1).astype(np.uint8)


def _from_bits(bits: np.ndarray, width: int) -> np.ndarray:
    """The inverse of `_to_bits`."""
    n = bits.shape[0]
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64)
    grouped = bits.reshape(n, -1, width).astype(np.uint64)
    return (grouped << shifts).sum(axis=-1)


def quantise_logprobs(logprobs: np.ndarray, bits: int) -> np.ndarray:
    top = (1 << bits) - 1
    x = np.clip(-logprobs.astype(np.float64), 0.0, X_MAX)
    span = math.log(X_MAX + X_OFFSET) - math.log(X_OFFSET)
    return np.rint((np.log(x + X_OFFSET) - math.log(X_OFFSET)) / span * top).astype(np.uint64)


def dequantise_logprobs(codes: np.ndarray, bits: int) -> np.ndarray:
    top = (1 << bits) - 1
    span = math.log(X_MAX + X_OFFSET) - math.log(X_OFFSET)
    return -(np.exp(codes.astype(np.float64) / top * span + math.log(X_OFFSET)) - X_OFFSET)


def encode_rows(layout: RowLayout, ids: np.ndarray, logprobs: np.ndarray, tails: np.ndarray) -> bytes:
    """Rows of k distinct ids with their log-probs at T=1 (any order) and `layout.tails` log-masses."""
    n, k = ids.shape
    order = np.argsort(ids, axis=1, kind="stable")
    ids = np.take_along_axis(ids.astype(np.int64), order, axis=1)
    logprobs = np.take_along_axis(logprobs, order, axis=1)
    low = layout.low_bits
    parts = [_to_bits(ids & ((1 << low) - 1), low)] if low else []
    bitmap = np.zeros((n, layout.high_bits), dtype=np.uint8)
    np.put_along_axis(bitmap, (ids >> low) + np.arange(k), 1, axis=1)
    parts.append(bitmap)
    parts.append(_to_bits(quantise_logprobs(logprobs, layout.logprob_bits), layout.logprob_bits))
    half = np.ascontiguousarray(tails.reshape(n, layout.tails), dtype="<f2").view("<u2")
    parts.append(_to_bits(half, 16))
    return np.packbits(np.concatenate(parts, axis=1), axis=1).tobytes()


def decode_rows(layout: RowLayout, raw: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ids [n, k] (int64), log-probs [n, k] (float32, highest first, rescaled to sum to 1 - tail) and
    the tails [n, layout.tails] (float32 log-masses: at T=1, then at the cache's temperature)."""
    k, low = layout.k, layout.low_bits
    packed = np.frombuffer(raw, dtype=np.uint8).reshape(-1, layout.row_bytes)
    bits = np.unpackbits(packed, axis=1, count=layout.bits)
    n = bits.shape[0]
    at = k * low
    low_part = _from_bits(bits[:, :at], low).astype(np.int64) if low else np.zeros((n, k), dtype=np.int64)
    ones = np.nonzero(bits[:, at : at + layout.high_bits])[1].reshape(n, k)
    ids = ((ones - np.arange(k)) << low) | low_part
    at += layout.high_bits
    codes = _from_bits(bits[:, at : at + k * layout.logprob_bits], layout.logprob_bits)
    at += k * layout.logprob_bits
    tails = _from_bits(bits[:, at:], 16).astype("<u2").view("<f2").astype(np.float32)
    logprobs = dequantise_logprobs(codes, layout.logprob_bits)
    logprobs = _rescaled(logprobs, tails[:, 0].astype(np.float64))
    order = np.argsort(-logprobs, axis=1, kind="stable")
    return (
        np.take_along_axis(ids, order, axis=1),
        np.take_along_axis(logprobs, order, axis=1).astype(np.float32),
        tails,
    )


def _rescaled(logprobs: np.ndarray, tail: np.ndarray) -> np.ndarray:
    """Top-k log-probs shifted so that their mass is exactly 1 - exp(tail)."""
    top = np.log(-np.expm1(np.minimum(tail, -1e-12)))
    current = np.logaddexp.reduce(logprobs, axis=1)
    return logprobs + (top - current)[:, None]
