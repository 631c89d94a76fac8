"""`select`: MiniPLM difference sampling, choosing a pre-training corpus by what a teacher knows.

A large teacher and a small reference (same tokenizer) score every document by its mean token
log-likelihood; a document's score is the teacher's mean minus the reference's. The top share (or
the top documents within a token budget) are kept. Text both predict well (common, easy) scores
near zero, noise both predict badly scores near zero, and text only the teacher predicts well
(hard, valuable) scores high: that is what the student should pre-train on.

The corpus is read twice and never held: first to score (documents in batches; each model's
log-probs go through the run store like every model call, committed as they arrive, so a killed
run resumes without rescoring and a rerun costs nothing), then to write the kept documents. In
between, only five numbers per document stay in memory, and the cut is chosen from them.

Each document is scored on its first `max_tokens` tokens (at most the models' context), as
MiniPLM scores fixed-length chunks; the token budget counts whole documents.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from distillscope.distill.common.compat import TokenizerMismatch, check_tokenizers
from distillscope.distill.common.loading import load_tokenizer, model_source
from distillscope.distill.selection.corpus import CorpusSource, Document, iter_documents
from distillscope.distill.selection.report import write_histogram
from distillscope.errors import DistillscopeError, InputError
from distillscope.fileio.files import write_atomic
from distillscope.fileio.jsonl import dumps
from distillscope.models.config import Dtype, ModelConfig
from distillscope.models.hf_loading import pretrained_location
from distillscope.models.recorded import ModelUsage
from distillscope.models.run import Run
from distillscope.models.types import TokenScores
from distillscope.store import RunStore

SELECTED_FILE, SCORES_FILE, HISTOGRAM_FILE, SUMMARY_FILE = (
    "selected.jsonl",
    "scores.jsonl",
    "histogram.html",
    "summary.json",
)
COUNT_BATCH = 256  # documents tokenised together when only counting


class SelectJob(BaseModel):
    """What `distillscope select` does; the YAML file and the flags fill the same fields."""

    model_config = ConfigDict(extra="forbid")

    teacher: str = Field(description="The large model: hf:./folder or a hub id.")
    reference: str = Field(description="The small reference model (same tokenizer as the teacher).")
    corpus: CorpusSource = Field(description="The documents to choose from.")
    output: Path = Field(
        Path("selection"), description="Folder for selected.jsonl, scores.jsonl, histogram.html and summary.json."
    )
    share: float = Field(0.5, gt=0, le=1, description="Share of the scored documents to keep (MiniPLM keeps 0.5).")
    token_budget: int | None = Field(
        None, ge=1, description="Keep the top documents until their tokens reach this many (instead of share)."
    )
    max_tokens: int = Field(1024, ge=2, description="Tokens of each document that are scored.")
    batch_size: int = Field(8, ge=1, description="Documents per forward pass.")
    device: str = Field("auto", description="'auto', 'cpu' or 'cuda'.")
    dtype: Dtype = Field("auto", description="Dtype for both models.")
    trust_remote_code: bool = Field(False, description="Run code shipped with the models. Off by default.")

    @field_validator("corpus", mode="before")
    @classmethod
    def _path_alone(cls, value: Any) -> Any:
        return {"path": str(value)} if isinstance(value, str | Path) else value

    @model_validator(mode="after")
    def _a_meaningful_selection(self) -> SelectJob:
        """The score is the teacher's log-likelihood minus the reference's: with one model as both, every
        document scores 0 and the choice is noise. Two keep rules at once would leave one silently unused."""
        if self.teacher.strip() == self.reference.strip():
            raise ValueError(
                f"the teacher and the reference are the same model ({self.teacher!r}); the score is their difference"
            )
        if self.token_budget is not None and "share" in self.model_fields_set:
            raise ValueError("give either share or token_budget, not both: each is a rule for how much to keep")
        return self

    def rule(self) -> str:
        return f"token budget {self.token_budget:,}" if self.token_budget is not None else f"top share {self.share:g}"


@dataclass
class ScoreColumns:
    """Per document, in stream order: the two mean log-likelihoods and the token counts."""

    teacher: array = field(default_factory=lambda: array("d"))
    reference: array = field(default_factory=lambda: array("d"))
    tokens: array = field(default_factory=lambda: array("q"))
    scored: array = field(default_factory=lambda: array("q"))

    def __len__(self) -> int:
        return len(self.tokens)

    def add(self, tokens: int, teacher: TokenScores, reference: TokenScores) -> None:
        self.tokens.append(tokens)
        self.scored.append(min(teacher.scored, reference.scored))
        self.teacher.append(mean_logprob(teacher))
        self.reference.append(mean_logprob(reference))

    def scores(self) -> np.ndarray:
        """Teacher minus reference; NaN for a document with no token to score."""
        return np.asarray(self.teacher) - np.asarray(self.reference)


@dataclass
class Selection:
    keep: np.ndarray
    threshold: float | None

    @property
    def count(self) -> int:
        return int(self.keep.sum())


@dataclass
class SelectSummary:
    run_id: str
    rule: str
    documents: int
    tokens: int
    unscorable: int
    selected_documents: int
    selected_tokens: int
    threshold: float | None
    mean_score_kept: float | None
    mean_score_dropped: float | None
    output: Path
    usage: list[ModelUsage] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        fields = {k: v for k, v in self.__dict__.items() if k not in ("usage", "output")}
        return {**fields, "output": str(self.output), "usage": [u.model_dump(mode="json") for u in self.usage]}


@dataclass
class SelectPlan:
    documents: int
    tokens: int
    scored_tokens: int
    max_tokens: int
    forward_passes: int


def mean_logprob(scores: TokenScores) -> float:
    """Mean log-prob over the tokens that have one; NaN when none has."""
    values = [lp for lp in scores.logprobs if lp is not None]
    return float(np.mean(values)) if values else float("nan")


def hf_spec(spec: str) -> str:
    return spec if spec.startswith("hf:") else f"hf:{spec}"


def require_same_tokenizer(teacher_tokenizer: Any, reference_tokenizer: Any) -> None:
    """Mean log-likelihoods compare only over the same tokens: one clear line when they are not."""
    size = max(len(teacher_tokenizer.get_vocab()), len(reference_tokenizer.get_vocab()))
    found = check_tokenizers(reference_tokenizer, teacher_tokenizer, size, size)
    if found.problems:
        raise TokenizerMismatch(
            "teacher and reference tokenizers differ, so their per-token log-likelihoods are not comparable: "
            + "; ".join(found.problems),
            hint="use a reference model that shares the teacher's tokenizer",
        )


def shared_tokenizer(job: SelectJob) -> Any:
    """The teacher's tokenizer, once it is known to be the reference's too."""
    tokenizer = load_tokenizer(job.teacher, job.trust_remote_code)
    require_same_tokenizer(tokenizer, load_tokenizer(job.reference, job.trust_remote_code))
    return tokenizer


def context_limit(spec: str, requested: int, trust_remote_code: bool = False) -> int:
    """Tokens a document may be scored on: the request, within the model's context (room for BOS)."""
    from transformers import AutoConfig

    try:
        where, gguf = pretrained_location(model_source(spec))
        config = AutoConfig.from_pretrained(where, trust_remote_code=trust_remote_code, **gguf)
    except (OSError, ValueError, DistillscopeError):
        return requested
    positions = getattr(config, "max_position_embeddings", None)
    return min(requested, positions - 2) if isinstance(positions, int) and positions > 2 else requested


def scored_limit(job: SelectJob) -> int:
    """Tokens scored per document: the job's max_tokens, within both models' context."""
    limit = context_limit(job.teacher, job.max_tokens, job.trust_remote_code)
    return context_limit(job.reference, limit, job.trust_remote_code)


def batched(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for document in documents:
        batch.append(document)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def cut_texts(tokenizer: Any, texts: list[str], limit: int) -> tuple[list[str], list[int]]:
    """Each text cut after its first `limit` tokens (at a character boundary), and its full token count."""
    encoded = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)
    cut, counts = [], []
    for text, ids, offsets in zip(texts, encoded["input_ids"], encoded["offset_mapping"], strict=True):
        counts.append(len(ids))
        cut.append(text if len(ids) <= limit else text[: offsets[limit - 1][1]])
    return cut, counts


def choose(scores: np.ndarray, tokens: np.ndarray, share: float = 0.5, token_budget: int | None = None) -> Selection:
    """The top documents by score: a share of the scored ones, or those whose tokens fit the budget.

    Ties are broken by stream order, so the choice is the same on every run. Under a budget, the
    documents are taken in score order until the next one would pass it.
    """
    scored = np.flatnonzero(~np.isnan(scores))
    order = scored[np.argsort(-scores[scored], kind="stable")]
    if token_budget is not None:
        fits = np.cumsum(tokens[order]) <= token_budget
        count = len(order) if fits.all() else int(np.argmin(fits))
    else:
        count = min(len(order), max(1, int(share * len(order) + 0.5))) if len(order) else 0
    keep = np.zeros(len(scores), dtype=bool)
    keep[order[:count]] = True
    threshold = float(scores[order[count - 1]]) if count else None
    return Selection(keep, threshold)


def plan_select(job: SelectJob, on_batch: Callable[[int], None] | None = None) -> SelectPlan:
    """Documents and tokens the job would score, from the tokenizers alone: no model is loaded."""
    tokenizer = shared_tokenizer(job)
    limit = scored_limit(job)
    documents = tokens = scored = 0
    for batch in batched(iter_documents(job.corpus), COUNT_BATCH):
        counts = [len(ids) for ids in tokenizer([d.text for d in batch], add_special_tokens=False)["input_ids"]]
        documents += len(batch)
        tokens += sum(counts)
        scored += sum(min(n, limit) for n in counts)
        if on_batch is not None:
            on_batch(len(batch))
    passes = -(-documents // job.batch_size)
    return SelectPlan(documents=documents, tokens=tokens, scored_tokens=scored, max_tokens=limit, forward_passes=passes)


async def score_corpus(
    job: SelectJob, run: Run, tokenizer: Any, on_batch: Callable[[int], None] | None = None
) -> ScoreColumns:
    """Pass one: both models score every document through the run store."""
    limit = scored_limit(job)
    models = [
        run.model(
            ModelConfig(
                spec=hf_spec(spec),
                batch_size=job.batch_size,
                device=job.device,
                dtype=job.dtype,
                trust_remote_code=job.trust_remote_code,
            )
        )
        for spec in (job.teacher, job.reference)
    ]
    columns = ScoreColumns()
    for batch in batched(iter_documents(job.corpus), job.batch_size):
        texts, counts = cut_texts(tokenizer, [d.text for d in batch], limit)
        teacher_scores = await models[0].token_logprobs(texts)
        reference_scores = await models[1].token_logprobs(texts)
        for count, t_scores, r_scores in zip(counts, teacher_scores, reference_scores, strict=True):
            columns.add(count, t_scores, r_scores)
        if on_batch is not None:
            on_batch(len(batch))
    if not len(columns):
        raise InputError("the corpus holds no documents", path=job.corpus.path)
    return columns


def write_selection(job: SelectJob, columns: ScoreColumns, selection: Selection) -> None:
    """Pass two: stream the corpus again, writing every score and the kept documents."""
    job.output.mkdir(parents=True, exist_ok=True)
    scores = columns.scores()
    paths = {name: job.output / name for name in (SELECTED_FILE, SCORES_FILE)}
    scratch = {name: path.with_name(f".{path.name}.{os.getpid()}.tmp") for name, path in paths.items()}
    seen = 0
    with (
        scratch[SELECTED_FILE].open("w", encoding="utf-8") as kept,
        scratch[SCORES_FILE].open("w", encoding="utf-8") as table,
    ):
        for document in iter_documents(job.corpus):
            i = document.index
            if i >= len(columns):
                raise InputError("the corpus grew between scoring and writing", path=job.corpus.path)
            score = None if np.isnan(scores[i]) else float(scores[i])
            row = {
                "index": i,
                "id": document.id,
                "tokens": columns.tokens[i],
                "scored_tokens": columns.scored[i],
                "teacher": _number(columns.teacher[i]),
                "reference": _number(columns.reference[i]),
                "score": score,
                "selected": bool(selection.keep[i]),
            }
            table.write(dumps(row) + "\n")
            if selection.keep[i]:
                kept.write(dumps(document.record) + "\n")
            seen += 1
    if seen != len(columns):
        raise InputError("the corpus shrank between scoring and writing", path=job.corpus.path)
    for name, path in paths.items():
        os.replace(scratch[name], path)


def summarise(job: SelectJob, run: Run, columns: ScoreColumns, selection: Selection) -> SelectSummary:
    scores = columns.scores()
    tokens = np.asarray(columns.tokens)
    valid = ~np.isnan(scores)
    dropped = valid & ~selection.keep
    return SelectSummary(
        run_id=run.id,
        rule=job.rule(),
        documents=len(columns),
        tokens=int(tokens.sum()),
        unscorable=int((~valid).sum()),
        selected_documents=selection.count,
        selected_tokens=int(tokens[selection.keep].sum()),
        threshold=selection.threshold,
        mean_score_kept=float(scores[selection.keep].mean()) if selection.count else None,
        mean_score_dropped=float(scores[dropped].mean()) if dropped.any() else None,
        output=job.output,
        usage=run.usage(),
    )


async def select_corpus(
    job: SelectJob, store: RunStore, on_batch: Callable[[int], None] | None = None
) -> SelectSummary:
    """Score every document with both models, keep the top ones, and write the four outputs."""
    tokenizer = shared_tokenizer(job)
    async with Run(store, "select", job.model_dump(mode="json")) as run:
        columns = await score_corpus(job, run, tokenizer, on_batch)
    scores = columns.scores()
    selection = choose(scores, np.asarray(columns.tokens), job.share, job.token_budget)
    write_selection(job, columns, selection)
    summary = summarise(job, run, columns, selection)
    title = f"MiniPLM scores: {model_source(job.teacher)} − {model_source(job.reference)} ({job.rule()})"
    write_histogram(job.output / HISTOGRAM_FILE, scores, selection.keep, selection.threshold, title)
    write_atomic(job.output / SUMMARY_FILE, json.dumps(summary.to_dict(), indent=2) + "\n")
    return summary


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
