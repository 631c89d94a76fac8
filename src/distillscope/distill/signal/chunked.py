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

from distillscope.distill.signal.fused import LinearHead, fused_objective, widen
from distillscope.distill.signal.loss_config import KDLoss
from distillscope.distill.signal.losses import forward_kl, sampled_tail_bins, sampled_tail_offset, topk_bins

Tensor = torch.Tensor
Head = Callable[[Tensor], Tensor]  # hidden [n, H] -> logits [n, V]


def output_head(model: torch.nn.Module, vocab: int) -> Head:
    """The model's own projection to the vocabulary, sliced to a shared vocab, in float32.

    Soft-capping and logit scaling are applied where the architecture has them (Gemma 2, Cohere), so
    the logits equal the ones the model's own forward would give. A plain linear head comes back as
    a `LinearHead`, which the fused objective can differentiate by hand; any other head (an adapter
    on it, say) as a function of the hidden states.
    """
    head = model.get_output_embeddings()
    config = model.config
    softcap = getattr(config, "final_logit_softcapping", None)
    scale = getattr(config, "logit_scale", None)
    if type(head) is torch.nn.Linear:
        return LinearHead(head.weight, head.bias, vocab, scale, softcap)

    def project(hidden: Tensor) -> Tensor:
        logits = widen(head(hidden)[..., :vocab])
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
    tail_ids: Tensor | None = None  # ids drawn from the teacher's tail [n, m], when the cache has them
    tail_entropy: Tensor | None = None  # that tail's entropy [n]

    def chunk(self, lo: int, hi: int) -> TeacherSignal:
        def pick(x: Tensor | None) -> Tensor | None:
            return None if x is None else x[lo:hi]

        return TeacherSignal(
            pick(self.hidden), self.head, pick(self.topk_ids), pick(self.topk_logprobs), pick(self.topk_tail),
            pick(self.tail_ids), pick(self.tail_entropy),
        )  # fmt: skip


def _teacher_logprobs(signal: TeacherSignal, temperature: float) -> Tensor:
    assert signal.head is not None and signal.hidden is not None
    with torch.no_grad():
        logits = signal.head(signal.hidden)
        return torch.log_softmax(logits if temperature == 1 else logits / temperature, dim=-1)


def _bins_or_full(signal: TeacherSignal, student: Tensor, temperature: float) -> tuple[Tensor, Tensor]:
    """The teacher's and student's log-probs to compare: top-k bins from a cache, else full rows."""
    if signal.topk_ids is not None and signal.topk_logprobs is not None:
        tail = None if signal.topk_tail is None else widen(signal.topk_tail)
        return topk_bins(signal.topk_ids, widen(signal.topk_logprobs), student, temperature, tail)
    return _teacher_logprobs(signal, temperature), student


def _kd_rows(signal: TeacherSignal, student: Tensor, temperature: float, name: str) -> tuple[Tensor, Tensor, Tensor]:
    """The rows a divergence compares, and a teacher-only constant to add to its sum: forward KL
    against a cache with tail samples splits the tail bin into them (see `losses.sampled_tail_bins`)."""
    t_rows, s_rows = _bins_or_full(signal, student, temperature)
    zero = student.new_zeros(())
    if name != "forward_kl" or signal.tail_ids is None or signal.tail_entropy is None or signal.topk_ids is None:
        return t_rows, s_rows, zero
    offset = sampled_tail_offset(t_rows, signal.tail_entropy, signal.tail_ids.shape[-1]).sum()
    t_rows, s_rows = sampled_tail_bins(t_rows, student, signal.topk_ids, signal.tail_ids)
    return t_rows, s_rows, offset


def _chunk_terms(
    logits: Tensor,
    targets: Tensor,
    signal: TeacherSignal | None,
    loss: KDLoss,
    want_kd: bool,
    want_ce: bool,
) -> tuple[Tensor, Tensor]:
    """One chunk's KD divergence and cross-entropy, each summed over its positions."""
    zero = logits.new_zeros(())
    ce = torch.nn.functional.cross_entropy(logits, targets, reduction="sum") if want_ce else zero
    if not want_kd:
        return zero, ce
    assert signal is not None
    student = torch.log_softmax(logits / loss.temperature, dim=-1)
    t_rows, s_rows, offset = _kd_rows(signal, student, loss.temperature, loss.name)
    return loss.divergence()(t_rows, s_rows).sum() + offset, ce


def _forward_kl_and_grad(
    logits: Tensor,
    targets: Tensor,
    signal: TeacherSignal | None,
    loss: KDLoss,
    want_kd: bool,
    kd_coef: float,
    ce_coef: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """Forward KL against full teacher rows and cross-entropy, with the gradient of their weighted sum
    with respect to the logits in closed form: (q_T - p_T) / T for the KL, softmax - one-hot for CE.

    No autograd graph is built and buffers are reused in place, so a chunk costs a handful of passes
    over its [positions, vocab] tensors. At T = 1 the student's softmax serves both terms.
    """
    rows = torch.arange(len(targets), device=logits.device)
    temperature = loss.temperature
    kd = ce = logits.new_zeros(())
    grad = None
    if want_kd:
        assert signal is not None
        student = torch.log_softmax(logits if temperature == 1 else logits / temperature, dim=-1)
        teacher = _teacher_logprobs(signal, temperature)
        probs = teacher.exp()
        kd = torch.dot(probs.flatten(), teacher.sub_(student).flatten())  # finite logits: no 0 * inf terms
        del teacher
        shared = ce_coef > 0 and temperature == 1  # then softmax(logits) is the q just computed
        if shared:
            ce = -student.gather(-1, targets[:, None]).sum()
        own = kd_coef / temperature + (ce_coef if shared else 0.0)
        grad = student.exp_().mul_(own).sub_(probs, alpha=kd_coef / temperature)
        del probs
    if ce_coef > 0 and not (want_kd and temperature == 1):
        log_probs = torch.log_softmax(logits, dim=-1)
        ce = -log_probs.gather(-1, targets[:, None]).sum()
        softmax = log_probs.exp_()
        grad = softmax.mul_(ce_coef) if grad is None else grad.add_(softmax, alpha=ce_coef)
    if ce_coef > 0:
        assert grad is not None
        grad[rows, targets] -= ce_coef
    if grad is None:
        grad = torch.zeros_like(logits)
    return kd, ce, grad


def _chunk_step(loss: KDLoss, positions: int, vocab: int | None, with_teacher: bool) -> int:
    if vocab is not None:
        return loss.positions_per_chunk(vocab, with_teacher=with_teacher)
    return loss.chunk_size or max(1, positions)


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
    Training uses `distill_objective`, which avoids the recomputation where the head allows.
    """
    want_kd = teacher is not None and loss.kd_weight > 0
    want_ce = teacher is None or loss.kd_weight < 1

    def chunk_sums(
        hidden: Tensor,
        chunk_targets: Tensor,
        t_hidden: Tensor | None,
        t_ids: Tensor | None,
        t_lps: Tensor | None,
        t_tail: Tensor | None,
        t_tail_ids: Tensor | None,
        t_tail_entropy: Tensor | None,
    ) -> tuple[Tensor, Tensor]:
        signal = None
        if teacher is not None:
            signal = TeacherSignal(t_hidden, teacher.head, t_ids, t_lps, t_tail, t_tail_ids, t_tail_entropy)
        return _chunk_terms(student_head(hidden), chunk_targets, signal, loss, want_kd, want_ce)

    kd_total = student_hidden.new_zeros((), dtype=torch.float32)
    ce_total = student_hidden.new_zeros((), dtype=torch.float32)
    positions = student_hidden.shape[0]
    step = _chunk_step(loss, positions, vocab, want_kd)
    several = positions > step
    for lo in range(0, positions, step):
        hi = lo + step
        part = teacher.chunk(lo, hi) if teacher is not None else TeacherSignal()
        args = (
            student_hidden[lo:hi], targets[lo:hi], part.hidden, part.topk_ids, part.topk_logprobs, part.topk_tail,
            part.tail_ids, part.tail_entropy,
        )  # fmt: skip
        if several and torch.is_grad_enabled() and student_hidden.requires_grad:
            kd, ce = checkpoint(chunk_sums, *args, use_reentrant=False)
        else:
            kd, ce = chunk_sums(*args)
        kd_total = kd_total + kd
        ce_total = ce_total + ce
    return kd_total, ce_total


def distill_objective(
    student_hidden: Tensor,
    student_head: Head,
    targets: Tensor,
    loss: KDLoss,
    teacher: TeacherSignal | None,
    vocab: int | None,
    kd_coef: float,
    ce_coef: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """kd_coef * KD + ce_coef * CE summed over positions (the part to differentiate), and both sums.

    A term whose coefficient is 0 is not computed (its sum is 0). With a linear head and gradients
    wanted, each chunk is projected once and its gradients are taken on the spot (fused.py);
    otherwise this is `distill_loss_sums`, checkpointed per chunk.
    """
    want_kd = teacher is not None and kd_coef > 0
    want_ce = ce_coef > 0
    positions = student_hidden.shape[0]
    step = _chunk_step(loss, positions, vocab, want_kd)
    if isinstance(student_head, LinearHead) and torch.is_grad_enabled() and student_hidden.requires_grad:
        closed_form = loss.name == "forward_kl" and (teacher is None or teacher.hidden is not None)

        def terms(logits: Tensor, lo: int, hi: int) -> tuple[Tensor, Tensor, Tensor | None]:
            signal = teacher.chunk(lo, hi) if teacher is not None else None
            if closed_form:
                return _forward_kl_and_grad(logits.detach(), targets[lo:hi], signal, loss, want_kd, kd_coef, ce_coef)
            return (*_chunk_terms(logits, targets[lo:hi], signal, loss, want_kd, want_ce), None)

        return fused_objective(student_hidden, student_head, terms, step, kd_coef, ce_coef)
    weights = loss.model_copy(update={"kd_weight": 1.0 if not want_ce else 0.0 if not want_kd else 0.5})
    kd_sum, ce_sum = distill_loss_sums(
        student_hidden, student_head, targets, weights, teacher if want_kd else None, vocab
    )
    return kd_coef * kd_sum + ce_coef * ce_sum, kd_sum.detach(), ce_sum.detach()


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
        t_rows, s_rows, offset = _kd_rows(part, student, 1.0, "forward_kl")
        sums.kl += float(forward_kl(t_rows, s_rows).sum() + offset)
        teacher_top = part.topk_ids[:, 0].long() if part.topk_ids is not None else t_rows.argmax(-1)
        sums.top1_agree += int((student.argmax(-1) == teacher_top).sum())
    return sums
