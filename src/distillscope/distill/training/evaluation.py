"""How close is a student: perplexity on held-out data, and against its teacher the top-1 agreement
and the mean KL(teacher || student), all over the assistant's tokens (every token for plain text).

Computed with the training code's tokenisation and chunked projection, so an evaluation measures
exactly the positions training optimised, at any vocabulary size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import torch
from pydantic import BaseModel, ConfigDict, Field

from distillscope.distill.common.compat import require_compatible
from distillscope.distill.common.dataset import IGNORE, DistillCollator, build_examples, load_training_records
from distillscope.distill.common.loading import load_model, load_tokenizer, vocab_rows
from distillscope.distill.signal.chunked import AgreementSums, TeacherSignal, agreement_sums, output_head
from distillscope.fileio.files import write_atomic
from distillscope.models.config import Dtype


class EvalJob(BaseModel):
    model_config = ConfigDict(extra="forbid")

    student: str = Field(description="The model to evaluate: hf:./folder or a hub id.")
    teacher: str | None = Field(None, description="A teacher to compare with (same tokenizer).")
    data: str = Field(description="Held-out data, in the training data's format.")
    split: str = Field("test", description="Split, for hub datasets.")
    max_length: int = Field(1024, ge=8, description="Tokens per example.")
    batch_size: int = Field(8, ge=1, description="Examples per forward pass.")
    device: str = Field("auto", description="'auto', 'cpu' or 'cuda'.")
    dtype: Dtype = Field("auto", description="Dtype for both models.")
    trust_remote_code: bool = Field(False, description="Run code shipped with the models. Off by default.")
    allow_chat_template_mismatch: bool = Field(False, description="Compare even when chat templates differ.")


class EvalReport(BaseModel):
    student: str
    teacher: str | None
    examples: int
    tokens: int
    perplexity: float
    mean_nll: float
    top1_agreement: float | None = None
    mean_kl: float | None = None


def _report(job: EvalJob, examples: int, sums: AgreementSums) -> EvalReport:
    tokens = max(1, sums.tokens)
    with_teacher = job.teacher is not None
    return EvalReport(
        student=job.student,
        teacher=job.teacher,
        examples=examples,
        tokens=sums.tokens,
        perplexity=math.exp(sums.nll / tokens),
        mean_nll=sums.nll / tokens,
        top1_agreement=sums.top1_agree / tokens if with_teacher else None,
        mean_kl=sums.kl / tokens if with_teacher else None,
    )


@torch.no_grad()
def evaluate(
    job: EvalJob, on_start: Callable[[int], None] | None = None, on_batch: Callable[[int], None] | None = None
) -> EvalReport:
    records = load_training_records(job.data, job.split)  # a bad data file is found before the models load
    tokenizer = load_tokenizer(job.student, job.trust_remote_code)
    student = load_model(
        job.student, dtype=job.dtype, device=job.device, trust_remote_code=job.trust_remote_code
    ).eval()
    examples = build_examples(tokenizer, records, job.max_length, job.data)
    teacher, vocab = None, vocab_rows(student)
    if job.teacher is not None:
        teacher = load_model(
            job.teacher, dtype=job.dtype, device=job.device, trust_remote_code=job.trust_remote_code
        ).eval()
        vocab = require_compatible(
            tokenizer,
            load_tokenizer(job.teacher, job.trust_remote_code),
            vocab_rows(student),
            vocab_rows(teacher),
            job.allow_chat_template_mismatch,
        )
    collate = DistillCollator(tokenizer.pad_token_id)
    device = next(student.parameters()).device
    totals = AgreementSums()
    if on_start is not None:
        on_start(len(examples))
    for lo in range(0, len(examples), job.batch_size):
        chunk = examples[lo : lo + job.batch_size]
        batch = collate([{"input_ids": e.input_ids, "labels": e.labels} for e in chunk])
        ids, attention = batch["input_ids"].to(device), batch["attention_mask"].to(device)
        mask = batch["labels"][:, 1:].to(device) != IGNORE
        targets = batch["labels"][:, 1:].to(device)[mask]
        hidden = student(input_ids=ids, attention_mask=attention, output_hidden_states=True, logits_to_keep=1)
        signal = None
        if teacher is not None:
            t_out = teacher(input_ids=ids, attention_mask=attention, output_hidden_states=True, logits_to_keep=1)
            signal = TeacherSignal(hidden=t_out.hidden_states[-1][:, :-1][mask], head=output_head(teacher, vocab))
        totals.add(
            agreement_sums(hidden.hidden_states[-1][:, :-1][mask], output_head(student, vocab), targets, signal, vocab)
        )
        if on_batch is not None:
            on_batch(len(chunk))
    return _report(job, len(examples), totals)


def write_report(report: EvalReport, path: Path) -> None:
    write_atomic(path, report.model_dump_json(indent=2))
