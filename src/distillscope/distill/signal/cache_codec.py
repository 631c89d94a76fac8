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

- Tail samples (optional, `samples` = m > 0). One tail bin is a lower bound on forward KL: what it
  loses is the tail's mass times the divergence *inside* the tail, which is large while the student
  is far from the teacher (6.8% of the forward KL at k = 32 on SmolLM2 against a student with every
  other layer dropped). So m token ids are drawn from the teacher's tail (at the cache's
  temperature) and kept as an Elias-Fano multiset, with the tail's entropy in 8 bits. Each sample
  stands for tail mass / m, which makes the tail's cross-entropy an unbiased estimate and its
  gradient unbiased too (the idea of sparse logit sampling, Anshumann et al. 2025); over thousands
  of tokens the sampling noise averages out (0.01% at k = 32, m = 3, same student). The entropy
  restores the teacher's own part of the KL, a constant that only the loss's value needs. Three
  samples cost 57 bits at V = 49,152 (8 bytes at 152k).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LOGPROB_BITS = 10
X_MAX = 40.0  # -log p is clipped here: p below 4e-18 is stored as e^-40
X_OFFSET = 1e-3  # the companding constant c in log(x + c)
ENTROPY_BITS = 8  # the tail's entropy as a fraction of log(vocab): steps of log(V) / 255 nats


@dataclass(frozen=True)
class RowLayout:
    """The fixed bit layout of one row for a given k, vocabulary, precision and number of tails."""

    k: int
    vocab: int
    logprob_bits: int = LOGPROB_BITS
    tails: int = 1  # 1: the tail's log-mass at T=1; 2: and at the cache's temperature
    samples: int = 0  # token ids drawn from the teacher's tail, with the tail's entropy

    @property
    def low_bits(self) -> int:
        return _low_bits(self.vocab, self.k)

    @property
    def high_bits(self) -> int:
        return _high_bits(self.vocab, self.k)

    @property
    def sample_bits(self) -> int:
        if not self.samples:
            return 0
        low = _low_bits(self.vocab, self.samples)
        return self.samples * low + _high_bits(self.vocab, self.samples) + ENTROPY_BITS

    @property
    def bits(self) -> int:
        top = self.k * self.low_bits + self.high_bits + self.k * self.logprob_bits
        return top + 16 * self.tails + self.sample_bits

    @property
    def row_bytes(self) -> int:
        return (self.bits + 7) // 8


def _low_bits(vocab: int, count: int) -> int:
    return max(0, (vocab // count).bit_length() - 1)


def _high_bits(vocab: int, count: int) -> int:
    return count + ((vocab - 1) >> _low_bits(vocab, count)) + 1


@dataclass(frozen=True)
class TailSamples:
    """Ids drawn from the teacher's tail [n, m] (sorted) and the tail's entropy in nats [n]."""

    ids: np.ndarray
    entropy: np.ndarray


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


def _elias_fano(ids: np.ndarray, vocab: int) -> list[np.ndarray]:
    """Sorted rows of ids (repeats allowed) as bits: their low parts, then the unary high parts."""
    n, count = ids.shape
    low = _low_bits(vocab, count)
    parts = [_to_bits(ids & ((1 << low) - 1), low)] if low else []
    bitmap = np.zeros((n, _high_bits(vocab, count)), dtype=np.uint8)
    np.put_along_axis(bitmap, (ids >> low) + np.arange(count), 1, axis=1)
    parts.append(bitmap)
    return parts


def _from_elias_fano(bits: np.ndarray, vocab: int, count: int) -> tuple[np.ndarray, int]:
    """The sorted ids of `_elias_fano` from the front of `bits`, and how many bits they took."""
    n = bits.shape[0]
    low = _low_bits(vocab, count)
    at = count * low
    low_part = _from_bits(bits[:, :at], low).astype(np.int64) if low else np.zeros((n, count), dtype=np.int64)
    ones = np.nonzero(bits[:, at : at + _high_bits(vocab, count)])[1].reshape(n, count)
    return ((ones - np.arange(count)) << low) | low_part, at + _high_bits(vocab, count)


def encode_rows(
    layout: RowLayout, ids: np.ndarray, logprobs: np.ndarray, tails: np.ndarray, samples: TailSamples | None = None
) -> bytes:
    """Rows of k distinct ids with their log-probs at T=1 (any order), `layout.tails` log-masses and,
    when the layout has them, the tail samples."""
    n, _ = ids.shape
    order = np.argsort(ids, axis=1, kind="stable")
    ids = np.take_along_axis(ids.astype(np.int64), order, axis=1)
    logprobs = np.take_along_axis(logprobs, order, axis=1)
    parts = _elias_fano(ids, layout.vocab)
    parts.append(_to_bits(quantise_logprobs(logprobs, layout.logprob_bits), layout.logprob_bits))
    half = np.ascontiguousarray(tails.reshape(n, layout.tails), dtype="<f2").view("<u2")
    parts.append(_to_bits(half, 16))
    if layout.samples:
        if samples is None or samples.ids.shape != (n, layout.samples):
            raise ValueError(f"this layout stores {layout.samples} tail samples per row")
        parts.extend(_elias_fano(np.sort(samples.ids.astype(np.int64), axis=1), layout.vocab))
        parts.append(_to_bits(_entropy_codes(samples.entropy, layout.vocab)[:, None], ENTROPY_BITS))
    return np.packbits(np.concatenate(parts, axis=1), axis=1).tobytes()


def _entropy_codes(entropy: np.ndarray, vocab: int) -> np.ndarray:
    top = (1 << ENTROPY_BITS) - 1
    return np.rint(np.clip(entropy / math.log(vocab), 0.0, 1.0) * top).astype(np.uint64)


def _entropy_values(codes: np.ndarray, vocab: int) -> np.ndarray:
    return (codes.astype(np.float64) / ((1 << ENTROPY_BITS) - 1) * math.log(vocab)).astype(np.float32)


def decode_rows(layout: RowLayout, raw: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, TailSamples | None]:
    """ids [n, k] (int64), log-probs [n, k] (float32, highest first, rescaled to sum to 1 - tail),
    the tails [n, layout.tails] (float32 log-masses: at T=1, then at the cache's temperature) and
    the tail samples when the layout has them."""
    k = layout.k
    packed = np.frombuffer(raw, dtype=np.uint8).reshape(-1, layout.row_bytes)
    bits = np.unpackbits(packed, axis=1, count=layout.bits)
    ids, at = _from_elias_fano(bits, layout.vocab, k)
    codes = _from_bits(bits[:, at : at + k * layout.logprob_bits], layout.logprob_bits)
    at += k * layout.logprob_bits
    tails = _from_bits(bits[:, at : at + 16 * layout.tails], 16).astype("<u2").view("<f2").astype(np.float32)
    at += 16 * layout.tails
    samples = None
    if layout.samples:
        sample_ids, used = _from_elias_fano(bits[:, at:], layout.vocab, layout.samples)
        entropy = _from_bits(bits[:, at + used : at + used + ENTROPY_BITS], ENTROPY_BITS)[:, 0]
        samples = TailSamples(sample_ids, _entropy_values(entropy, layout.vocab))
    logprobs = dequantise_logprobs(codes, layout.logprob_bits)
    logprobs = _rescaled(logprobs, tails[:, 0].astype(np.float64))
    order = np.argsort(-logprobs, axis=1, kind="stable")
    return (
        np.take_along_axis(ids, order, axis=1),
        np.take_along_axis(logprobs, order, axis=1).astype(np.float32),
        tails,
        samples,
    )


def _rescaled(logprobs: np.ndarray, tail: np.ndarray) -> np.ndarray:
    """Top-k log-probs shifted so that their mass is exactly 1 - exp(tail)."""
    top = np.log(-np.expm1(np.minimum(tail, -1e-12)))
    current = np.logaddexp.reduce(logprobs, axis=1)
    return logprobs + (top - current)[:, None]
