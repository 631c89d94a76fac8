"""Vocabulary-sized losses computed a chunk of positions at a time.

The [tokens, vocab] tensors dominate the memory of distillation. At a vocabulary of 152k, one
batch of 4 x 1024 tokens is 2.5 GB of float32 logits, and a naive KD step holds several such
tensors at once: student logits, teacher logits, both log-softmaxes, gradients. Here only final
hidden states ([tokens, hidden], small) are kept. The output head is applied to one chunk of
positions at a time, under activation checkpointing, so the backward pass recomputes the chunk
instead of storing it. Peak memory is a chunk's worth of vocab-sized tensors, whatever the
sequence length.

Only positions that carry a loss (response tokens) are ever projected to the vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.utils.checkpoint import checkpoint

from distillscope.distill.loss_config import KDLoss
from distillscope.distill.losses import forward_kl, topk_bins

Tensor = torch.Tensor
Head = Callable[[Tensor], Tensor]  # hidden [n, H] -> logits [n, V]


def output_head(model: torch.nn.Module, vocab: int) -> Head:
    """The model's own projection to the vocabulary, sliced to a shared vocab, in float32.

    Soft-capping and logit scaling are applied where the architecture has them (Gemma 2, Cohere), so
    the logits equal the ones the model's own forward would give.
    """
    head = model.get_output_embeddings()
    config = model.config
    softcap = getattr(config, "final_logit_softcapping", None)
    scale = getattr(config, "logit_scale", None)

    def project(hidden: Tensor) -> Tensor:
        logits = head(hidden)[..., :vocab].float()
        if scale is not None:
            logits = logits * scale
        if softcap:
            logits = torch.tanh(logits / softcap) * softcap
        return logits

    return project


@dataclass
class TeacherSignal:
    """What the student learns from: the teacher's hidden states and head, or its cached top-k."""

    hidden: Tensor | None = None
    head: Head | None = None
    topk_ids: Tensor | None = None
    topk_logprobs: Tensor | None = None
    topk_tail: Tensor | None = None  # the tail's log-mass at the training temperature, when T != 1

    def chunk(self, lo: int, hi: int) -> TeacherSignal:
        def pick(x: Tensor | None) -> Tensor | None:
            return None if x is None else x[lo:hi]

        return TeacherSignal(
            pick(self.hidden), self.head, pick(self.topk_ids), pick(self.topk_logprobs), pick(self.topk_tail)
        )


def _teacher_logprobs(signal: TeacherSignal, temperature: float) -> Tensor:
    assert signal.head is not None and signal.hidden is not None
    with torch.no_grad():
        return torch.log_softmax(signal.head(signal.hidden) / temperature, dim=-1)


def _bins_or_full(signal: TeacherSignal, student: Tensor, temperature: float) -> tuple[Tensor, Tensor]:
    """The teacher's and student's log-probs to compare: top-k bins from a cache, else full rows."""
    if signal.topk_ids is not None and signal.topk_logprobs is not None:
        tail = None if signal.topk_tail is None else signal.topk_tail.float()
        return topk_bins(signal.topk_ids, signal.topk_logprobs.float(), student, temperature, tail)
    return _teacher_logprobs(signal, temperature), student


def distill_loss_sums(
    student_hidden: Tensor,
    student_head: Head,
    targets: Tensor,
    loss: KDLoss,
    teacher: TeacherSignal | None = None,
    vocab: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Sums over positions of the KD divergence and of the cross-entropy on `targets`.

    The caller divides by its token count (per batch, or across gradient accumulation). With more
    than one chunk, each is checkpointed: its vocab-sized tensors are freed after the forward pass
    and recomputed in the backward pass. A single chunk gains nothing from that, so it runs plainly.
    """
    divergence = loss.divergence()
    temperature = loss.temperature
    want_kd = teacher is not None and loss.kd_weight > 0
    want_ce = teacher is None or loss.kd_weight < 1

    def chunk_sums(
        hidden: Tensor,
        chunk_targets: Tensor,
        t_hidden: Tensor | None,
        t_ids: Tensor | None,
        t_lps: Tensor | None,
        t_tail: Tensor | None,
    ) -> tuple[Tensor, Tensor]:
        logits = student_head(hidden)
        zero = logits.new_zeros(())
        ce = torch.nn.functional.cross_entropy(logits, chunk_targets, reduction="sum") if want_ce else zero
        if not want_kd:
            return zero, ce
        assert teacher is not None
        student = torch.log_softmax(logits / temperature, dim=-1)
        signal = TeacherSignal(t_hidden, teacher.head, t_ids, t_lps, t_tail)
        t_rows, s_rows = _bins_or_full(signal, student, temperature)
        return divergence(t_rows, s_rows).sum(), ce

    kd_total = student_hidden.new_zeros((), dtype=torch.float32)
    ce_total = student_hidden.new_zeros((), dtype=torch.float32)
    positions = student_hidden.shape[0]
    if vocab is not None:
        step = loss.positions_per_chunk(vocab, with_teacher=want_kd)
    else:
        step = loss.chunk_size or max(1, positions)
    several = positions > step
    for lo in range(0, positions, step):
        hi = lo + step
        part = teacher.chunk(lo, hi) if teacher is not None else TeacherSignal()
        args = (student_hidden[lo:hi], targets[lo:hi], part.hidden, part.topk_ids, part.topk_logprobs, part.topk_tail)
        if several and torch.is_grad_enabled() and student_hidden.requires_grad:
            kd, ce = checkpoint(chunk_sums, *args, use_reentrant=False)
        else:
            kd, ce = chunk_sums(*args)
        kd_total = kd_total + kd
        ce_total = ce_total + ce
    return kd_total, ce_total


@dataclass
class AgreementSums:
    tokens: int = 0
    nll: float = 0.0
    kl: float = 0.0
    top1_agree: int = 0

    def add(self, other: AgreementSums) -> None:
        self.tokens += other.tokens
        self.nll += other.nll
        self.kl += other.kl
        self.top1_agree += other.top1_agree


@torch.no_grad()
def agreement_sums(
    student_hidden: Tensor,
    student_head: Head,
    targets: Tensor,
    teacher: TeacherSignal | None,
    vocab: int,
) -> AgreementSums:
    """Evaluation sums: negative log-likelihood of the targets, and against a teacher the forward
    KL(teacher || student) at T=1 and how often both rank the same token first."""
    sums = AgreementSums(tokens=int(targets.numel()))
    step = KDLoss().positions_per_chunk(vocab)
    for lo in range(0, student_hidden.shape[0], step):
        hi = lo + step
        student = torch.log_softmax(student_head(student_hidden[lo:hi]), dim=-1)
        sums.nll += float(-student.gather(-1, targets[lo:hi, None]).sum())
        if teacher is None:
            continue
        part = teacher.chunk(lo, hi)
        t_rows, s_rows = _bins_or_full(part, student, 1.0)
        sums.kl += float(forward_kl(t_rows, s_rows).sum())
        teacher_top = part.topk_ids[:, 0].long() if part.topk_ids is not None else t_rows.argmax(-1)
        sums.top1_agree += int((student.argmax(-1) == teacher_top).sum())
    return sums
