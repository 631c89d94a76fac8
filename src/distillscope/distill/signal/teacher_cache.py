"""The offline teacher: its top-k next-token log-probs at every trained position, stored compactly.

With the cache on disk, the teacher need not be in memory while the student trains: one pass of
the teacher serves many students and many epochs. Only positions that carry a loss are stored.
Each row holds the k most likely token ids and their log-probs at temperature 1, sorted
descending. The rest of the distribution is kept implicitly: its mass is 1 minus the sum of the
top-k, and the loss treats it as one extra bin.

Two encodings exist. Format 3 (written by default) packs each row into a fixed number of bits:
Elias-Fano coded ids, log-probs quantised where they matter, and the tail mass kept exactly
(cache_codec.py); 99 bytes per token at k=32 and a 152k vocabulary. Format 2 stores ids as
unsigned integers of the narrowest width that holds the vocabulary (3 bytes at 152k) and
log-probs as float16: 160 bytes per token. Format 2 caches stay readable; a cache of a format
this version does not know is refused with one line. Either way, add 8 bytes per example for
offsets.

Format 3 also keeps, by default, three token ids drawn from the teacher's tail and the tail's
entropy (8 bytes at a 49k vocabulary), so a forward-KL loss sees the inside of the tail instead of
one lumped bin (see cache_codec.py); `tail_samples: 0` gives the lumped layout. The draws are
seeded by the example's place in the data, so a cache rebuilt, or resumed, is the same cache.

Distilling at a temperature T other than 1 needs one more number per row: the tail's mass at T,
which the top-k cannot tell (see `losses.topk_bins`). A cache is built for one temperature and
refuses to serve another, so a cached loss is exact on its k+1 bins at the temperature it serves.

The cache is written batch by batch with a progress marker, so an interrupted build resumes. It
records the fingerprint of the tokenised data, so it is never paired with different examples.
Under `accelerate launch` one process builds it and the others wait, then open it: the files are
written once, and each process of a later kd-offline run reads its own rows from them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from distillscope.distill.common.dataset import Example, examples_fingerprint
from distillscope.distill.signal.cache_codec import LOGPROB_BITS, RowLayout, TailSamples, decode_rows, encode_rows
from distillscope.distill.signal.chunked import output_head
from distillscope.errors import InputError
from distillscope.fileio.files import write_atomic
from distillscope.fileio.paths import check_output_folder, job_inputs
from distillscope.models.config import Dtype

FORMAT_VERSION = 3
READABLE_FORMATS = (2, 3)
CacheFormat = Literal[2, 3]
IDS_FILE, LOGPROBS_FILE, TAIL_FILE, ROWS_FILE = "ids.bin", "logprobs.bin", "tail.bin", "rows.bin"
META_FILE, PROGRESS_FILE = "meta.json", "progress.json"
DATA_FILES = (IDS_FILE, LOGPROBS_FILE, TAIL_FILE, ROWS_FILE)
TAIL_SAMPLES = 3  # format 3's default: the forward-KL error falls from 6.8% to 0.01% for 57 bits (49k vocab)
SAMPLE_SEED = 20_250_101


class TeacherCacheMeta(BaseModel):
    format_version: int = FORMAT_VERSION
    k: int
    vocab_size: int
    id_bytes: int = 0  # format 2
    logprob_bits: int = 0  # format 3
    examples: int
    tokens: int
    examples_fingerprint: str
    offsets: list[int]
    teacher: str
    temperature: float = 1.0
    tail_samples: int = 0  # format 3: ids drawn from the tail per row

    @property
    def tail_bytes(self) -> int:
        return 0 if self.temperature == 1.0 else 2

    @property
    def layout(self) -> RowLayout:
        return row_layout(self.k, self.vocab_size, self.temperature, self.logprob_bits, self.tail_samples)

    @property
    def row_bytes(self) -> int:
        if self.format_version == 2:
            return self.k * (self.id_bytes + 2) + self.tail_bytes
        return self.layout.row_bytes

    @property
    def bytes_per_token(self) -> float:
        return (self.tokens * self.row_bytes + 8 * len(self.offsets)) / max(1, self.tokens)


def row_layout(k: int, vocab: int, temperature: float, logprob_bits: int = 0, samples: int = 0) -> RowLayout:
    return RowLayout(k, vocab, logprob_bits or LOGPROB_BITS, 1 if temperature == 1.0 else 2, samples)


@dataclass
class CachedRows:
    """One example's cached teacher: top-k ids [n, k], log-probs [n, k] at T=1 (highest first), the
    tail's log-mass at the cache's temperature [n] (T != 1 only), at T=1 [n] (when building), and
    the ids drawn from the tail at the cache's temperature with its entropy (when the cache has them)."""

    ids: np.ndarray
    logprobs: np.ndarray
    tail: np.ndarray | None = None
    tail_one: np.ndarray | None = None
    samples: TailSamples | None = None


def id_width(vocab_size: int) -> int:
    return 2 if vocab_size <= 1 << 16 else 3 if vocab_size <= 1 << 24 else 4


def encode_ids(ids: np.ndarray, width: int) -> bytes:
    """Little-endian unsigned integers of `width` bytes."""
    as_u32 = np.ascontiguousarray(ids, dtype="<u4")
    return as_u32.view(np.uint8).reshape(*as_u32.shape, 4)[..., :width].tobytes()


def decode_ids(raw: bytes, width: int, k: int) -> np.ndarray:
    narrow = np.frombuffer(raw, dtype=np.uint8).reshape(-1, k, width)
    wide = np.zeros((narrow.shape[0], k, 4), dtype=np.uint8)
    wide[..., :width] = narrow
    return wide.view("<u4").reshape(-1, k).astype(np.int64)


@dataclass
class TeacherCache:
    folder: Path
    meta: TeacherCacheMeta

    @classmethod
    def open(cls, folder: Path | str) -> TeacherCache:
        folder = Path(folder)
        meta_path = folder / META_FILE
        if not meta_path.exists():
            raise InputError(
                "not a teacher cache (no meta.json)", path=folder, hint="build one with `distillscope teacher-cache`"
            )
        try:
            raw = json.loads(meta_path.read_text())
            version = raw.get("format_version", 1) if isinstance(raw, dict) else None
            if version not in READABLE_FORMATS:
                raise InputError(
                    f"teacher cache format {version} cannot be read by this version of distillscope "
                    f"(it reads formats {', '.join(map(str, READABLE_FORMATS))})",
                    path=meta_path,
                    hint="rebuild it with `distillscope teacher-cache`",
                )
            return cls(folder, TeacherCacheMeta.model_validate(raw))
        except (json.JSONDecodeError, ValidationError) as exc:
            first = str(exc).splitlines()[0]
            raise InputError(f"unreadable teacher cache metadata: {first}", path=meta_path) from None

    def rows(self, example: int) -> CachedRows:
        """The cached teacher at one example's loss positions."""
        lo, hi = self.meta.offsets[example], self.meta.offsets[example + 1]
        if self.meta.format_version == 2:
            return self._rows_v2(lo, hi)
        size = self.meta.row_bytes
        with (self.folder / ROWS_FILE).open("rb") as handle:
            handle.seek(lo * size)
            ids, logprobs, tails, samples = decode_rows(self.meta.layout, handle.read((hi - lo) * size))
        return CachedRows(ids, logprobs, tails[:, 1] if tails.shape[1] > 1 else None, samples=samples)

    def _rows_v2(self, lo: int, hi: int) -> CachedRows:
        k, width = self.meta.k, self.meta.id_bytes
        with (self.folder / IDS_FILE).open("rb") as handle:
            handle.seek(lo * k * width)
            ids = decode_ids(handle.read((hi - lo) * k * width), width, k)
        logprobs = np.fromfile(self.folder / LOGPROBS_FILE, dtype="<f2", count=(hi - lo) * k, offset=lo * k * 2)
        tail = None
        if self.meta.tail_bytes:
            tail = np.fromfile(self.folder / TAIL_FILE, dtype="<f2", count=hi - lo, offset=lo * 2).astype(np.float32)
        return CachedRows(ids, logprobs.reshape(-1, k).astype(np.float32), tail)

    def check_temperature(self, temperature: float) -> None:
        if temperature != self.meta.temperature:
            raise InputError(
                f"the teacher cache serves temperature {self.meta.temperature:g}, not {temperature:g}",
                path=self.folder,
                hint=f"rebuild it with --temperature {temperature:g}, or train at {self.meta.temperature:g}",
            )

    def check_matches(self, examples: Sequence[Example]) -> None:
        if self.meta.examples_fingerprint != examples_fingerprint(examples):
            raise InputError(
                "the teacher cache was built from different data, tokenizer or max_length than this training run",
                path=self.folder,
                hint="rebuild it with the same data and max_length",
            )


def _positions(example: Example) -> list[int]:
    return example.loss_positions


def _tail_outside(logprobs: torch.Tensor, indices: torch.Tensor) -> np.ndarray:
    """log of the mass outside the top-k, summed directly (not 1 - top, which cancels when top is near 1)."""
    return torch.logsumexp(logprobs.scatter(-1, indices, float("-inf")), dim=-1).float().cpu().numpy()


def samples_for(format_version: int, requested: int | None) -> int:
    """How many tail samples a cache of this format keeps: format 2 has no place for them."""
    if requested is None:
        return TAIL_SAMPLES if format_version == 3 else 0
    if requested and format_version != 3:
        raise InputError(
            f"tail samples need cache format 3, not {format_version}",
            hint="drop --tail-samples, or build format 3",
        )
    return requested


def _tail_samples(logprobs_at_t: torch.Tensor, indices: torch.Tensor, count: int, example: int) -> TailSamples:
    """`count` ids per row drawn from the teacher's tail at the cache's temperature, and that tail's
    entropy. A tail that underflowed to nothing is drawn uniformly: its samples carry no mass."""
    tail = logprobs_at_t.float().cpu().scatter(-1, indices.cpu(), float("-inf"))
    tail = torch.log_softmax(tail, dim=-1)
    probs = torch.nan_to_num(tail.exp(), nan=0.0)
    empty = probs.sum(-1, keepdim=True) <= 0
    probs = torch.where(empty, torch.ones_like(probs).scatter(-1, indices.cpu(), 0.0), probs)
    entropy = -torch.special.xlogy(probs, probs).sum(-1).masked_fill(empty[:, 0], 0.0)
    generator = torch.Generator().manual_seed(SAMPLE_SEED + example)
    drawn = torch.multinomial(probs, count, replacement=True, generator=generator)
    return TailSamples(drawn.numpy(), entropy.numpy())


@torch.no_grad()
def _top_k_rows(
    teacher: Any, vocab: int, batch: Sequence[Example], k: int, temperature: float, samples: int = 0, first: int = 0
) -> list[CachedRows]:
    """The cached rows of a batch of examples; `first` is the batch's first example's index, which
    seeds the tail samples."""
    device = next(teacher.parameters()).device
    width = max(len(e.input_ids) for e in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, example in enumerate(batch):
        ids[row, : len(example.input_ids)] = torch.tensor(example.input_ids)
        mask[row, : len(example.input_ids)] = 1
    out = teacher(input_ids=ids.to(device), attention_mask=mask.to(device), output_hidden_states=True, logits_to_keep=1)
    head = output_head(teacher, vocab)
    rows = []
    for row, example in enumerate(batch):
        positions = torch.tensor(_positions(example), device=device)
        logits = head(out.hidden_states[-1][row, positions])
        logprobs = torch.log_softmax(logits, dim=-1)
        values, indices = torch.topk(logprobs, k, dim=-1)
        tail = None
        at_t = logprobs if temperature == 1.0 else torch.log_softmax(logits / temperature, dim=-1)
        if temperature != 1.0:
            tail = _tail_outside(at_t, indices)
        drawn = _tail_samples(at_t, indices, samples, first + row) if samples else None
        top = (indices.cpu().numpy(), values.float().cpu().numpy())
        rows.append(CachedRows(*top, tail, _tail_outside(logprobs, indices), drawn))
    return rows


def _data_sizes(version: int, tokens: int, k: int, vocab: int, temperature: float, samples: int) -> dict[str, int]:
    """The size of each data file after `tokens` rows."""
    if version == 2:
        tail = tokens * 2 if temperature != 1.0 else 0
        return {IDS_FILE: tokens * k * id_width(vocab), LOGPROBS_FILE: tokens * k * 2, TAIL_FILE: tail}
    return {ROWS_FILE: tokens * row_layout(k, vocab, temperature, samples=samples).row_bytes}


def _encoded(version: int, rows: CachedRows, k: int, vocab: int, temperature: float, samples: int) -> dict[str, bytes]:
    if version == 2:
        return {
            IDS_FILE: encode_ids(rows.ids, id_width(vocab)),
            LOGPROBS_FILE: rows.logprobs.astype("<f2").tobytes(),
            TAIL_FILE: b"" if rows.tail is None else rows.tail.astype("<f2").tobytes(),
        }
    assert rows.tail_one is not None
    tails = rows.tail_one[:, None] if rows.tail is None else np.stack([rows.tail_one, rows.tail], axis=1)
    layout = row_layout(k, vocab, temperature, samples=samples)
    return {ROWS_FILE: encode_rows(layout, rows.ids, rows.logprobs, tails, rows.samples)}


def build_teacher_cache(
    teacher: Any,
    vocab: int,
    examples: Sequence[Example],
    folder: Path | str,
    *,
    k: int = 32,
    batch_size: int = 8,
    temperature: float = 1.0,
    teacher_name: str = "",
    format_version: CacheFormat = FORMAT_VERSION,
    tail_samples: int | None = None,
    on_start: Callable[[int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> TeacherCache:
    """Run the teacher over every example and store its top-k; resumes a partial build.

    `tail_samples` None is format 3's default (`TAIL_SAMPLES`) and none for format 2, which has no
    place for them."""
    samples = samples_for(format_version, tail_samples)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fingerprint = examples_fingerprint(examples)
    settings = {
        "fingerprint": fingerprint, "k": k, "temperature": temperature, "format": format_version,
        "tail_samples": samples,
    }  # fmt: skip
    done, tokens = _resume_point(folder, settings, vocab)
    offsets = [0]
    for example in examples:
        offsets.append(offsets[-1] + len(_positions(example)))
    if on_start is not None:
        on_start(len(examples))
    if on_batch is not None and done:
        on_batch(done)
    teacher.eval()
    names = list(_data_sizes(format_version, 0, k, vocab, temperature, samples))
    with ExitStack() as stack:
        handles = {name: stack.enter_context((folder / name).open("ab")) for name in names}
        for lo in range(done, len(examples), batch_size):
            batch = examples[lo : lo + batch_size]
            for rows in _top_k_rows(teacher, vocab, batch, k, temperature, samples, lo):
                for name, payload in _encoded(format_version, rows, k, vocab, temperature, samples).items():
                    handles[name].write(payload)
                tokens += rows.ids.shape[0]
            for handle in handles.values():
                handle.flush()
            write_atomic(
                folder / PROGRESS_FILE, json.dumps({**settings, "examples": lo + len(batch), "tokens": tokens})
            )
            if on_batch is not None:
                on_batch(len(batch))
    meta = TeacherCacheMeta(
        format_version=format_version,
        k=k,
        vocab_size=vocab,
        id_bytes=id_width(vocab) if format_version == 2 else 0,
        logprob_bits=LOGPROB_BITS if format_version == 3 else 0,
        examples=len(examples),
        tokens=tokens,
        examples_fingerprint=fingerprint,
        offsets=offsets,
        teacher=teacher_name,
        temperature=temperature,
        tail_samples=samples,
    )
    write_atomic(folder / META_FILE, meta.model_dump_json())
    (folder / PROGRESS_FILE).unlink(missing_ok=True)
    return TeacherCache(folder, meta)


def _resume_point(folder: Path, settings: dict[str, Any], vocab: int) -> tuple[int, int]:
    """Examples and tokens already written by an interrupted build of the same job; else start over."""
    progress_path = folder / PROGRESS_FILE
    if progress_path.exists():
        progress = json.loads(progress_path.read_text())
        progress.setdefault("temperature", 1.0)
        progress.setdefault("format", 2)  # progress markers of format-2 builds did not say
        progress.setdefault("tail_samples", 0)  # nor did those of builds before tail samples
        if all(progress.get(key) == value for key, value in settings.items()):
            tokens = int(progress["tokens"])
            shape = (settings["k"], vocab, settings["temperature"], settings["tail_samples"])
            sizes = _data_sizes(settings["format"], tokens, *shape)
            for name, size in sizes.items():  # drop a batch written after the last marker
                with (folder / name).open("ab") as handle:
                    handle.truncate(size)
            return int(progress["examples"]), tokens
    for name in (*DATA_FILES, META_FILE, PROGRESS_FILE):
        (folder / name).unlink(missing_ok=True)
    return 0, 0


class TeacherCacheJob(BaseModel):
    """What `distillscope teacher-cache` does; flags and YAML fill the same fields."""

    model_config = ConfigDict(extra="forbid")

    teacher: str = Field(description="The teacher: hf:./folder or a hub id.")
    data: str = Field(description="The training data the student will use (same format as train).")
    split: str = Field("train", description="Split, for hub datasets.")
    output: Path = Field(description="Folder for the cache.")
    k: int = Field(32, ge=1, le=1024, description="Tokens kept per position.")
    temperature: float = Field(
        1.0, gt=0, description="The KD temperature the cache will serve (train's loss.temperature)."
    )
    max_length: int = Field(1024, ge=8, description="Must equal the training run's max_length.")
    batch_size: int = Field(8, ge=1, description="Examples per teacher forward pass.")
    format_version: CacheFormat = Field(
        FORMAT_VERSION, description="3: packed rows (about 99 bytes/token at k=32, 152k vocab); 2: the older layout."
    )
    tail_samples: int | None = Field(
        None,
        ge=0,
        le=64,
        description=f"Ids drawn from the teacher's tail per token (format 3; default {TAIL_SAMPLES}, 0: one tail bin).",
    )
    device: str = Field("auto", description="'auto', 'cpu' or 'cuda'.")
    dtype: Dtype = Field("auto", description="The teacher's dtype.")
    trust_remote_code: bool = Field(False, description="Run code shipped with the model. Off by default.")


def run_teacher_cache(
    job: TeacherCacheJob,
    on_start: Callable[[int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> TeacherCache:
    from distillscope.distill.common.dataset import load_training_records
    from distillscope.distill.common.ranks import main_first, process_state

    records = load_training_records(job.data, job.split)  # a bad data file is found before the teacher loads
    check_output_folder(job.output, inputs=job_inputs(job))  # now, not after the teacher's pass
    samples_for(job.format_version, job.tail_samples)
    state = process_state(job.device)
    if state.num_processes == 1:
        return _build_from_job(job, records, on_start, on_batch)
    with main_first(state):  # the files are written once; the other processes read them after
        if state.is_main_process:
            return _build_from_job(job, records, on_start, on_batch)
    return TeacherCache.open(job.output)


def _build_from_job(
    job: TeacherCacheJob,
    records: list[tuple[int, dict[str, Any]]],
    on_start: Callable[[int], None] | None,
    on_batch: Callable[[int], None] | None,
) -> TeacherCache:
    from distillscope.distill.common.dataset import build_examples
    from distillscope.distill.common.loading import load_model, load_tokenizer, vocab_rows

    tokenizer = load_tokenizer(job.teacher, job.trust_remote_code)
    teacher = load_model(job.teacher, dtype=job.dtype, device=job.device, trust_remote_code=job.trust_remote_code)
    rows = vocab_rows(teacher)
    if job.k > rows:
        raise InputError(
            f"k {job.k} is more than the teacher's vocabulary of {rows} tokens",
            hint=f"expected k between 1 and {rows} (a few dozen keep nearly all of the teacher's mass)",
        )
    examples = build_examples(tokenizer, records, job.max_length, job.data)
    return build_teacher_cache(
        teacher,
        rows,
        examples,
        job.output,
        k=job.k,
        batch_size=job.batch_size,
        temperature=job.temperature,
        teacher_name=job.teacher,
        format_version=job.format_version,
        tail_samples=job.tail_samples,
        on_start=on_start,
        on_batch=on_batch,
    )
