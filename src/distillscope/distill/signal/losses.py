"""The knowledge-distillation divergences, each a small pure function of two log-prob tensors.

Every divergence takes the teacher's log-probs `t` and the student's log-probs `s` over the last
dimension and returns one value per row. Working in log space keeps them exact where a
probability underflows, and a row may be a full vocabulary or a coarsened one: the offline
teacher cache stores only the top-k tokens, and `topk_bins` turns both distributions into k+1
bins (the top-k tokens plus one bin for all the rest). Then every divergence applies unchanged.
By the data-processing inequality, a binned divergence never exceeds the full one.

With p = softmax(teacher / T) and q = softmax(student / T), as in ../shared/REFERENCES.md:
forward KL(p||q), reverse KL(q||p) (mode-seeking, MiniLLM), generalized JSD(beta) with the mixture
m = beta*p + (1-beta)*q, skew KL(p || alpha*p + (1-alpha)*q) and skew reverse KL(q || alpha*q +
(1-alpha)*p) (DistiLLM), total variation 1/2 * sum |p - q|, and ULD's sorted-probability distance,
which needs no shared vocabulary (cross-tokenizer distillation).

Which divergence a run uses is named in its `KDLoss` (`loss_config.py`), where each of these is
registered; a new divergence is one function here (or in a module of its own) and one registration.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

Tensor = torch.Tensor
Divergence = Callable[[Tensor, Tensor], Tensor]


def kl(logp_a: Tensor, logp_b: Tensor) -> Tensor:
    """KL(a || b) per row; bins where a has no mass contribute nothing (0 * log 0 = 0)."""
    p = logp_a.exp()
    return torch.where(p > 0, p * (logp_a - logp_b), torch.zeros_like(p)).sum(-1)


def log_mixture(logp_x: Tensor, logp_y: Tensor, weight: float) -> Tensor:
    """log(weight * x + (1 - weight) * y), computed in log space."""
    return torch.logaddexp(logp_x + math.log(weight), logp_y + math.log1p(-weight))


def forward_kl(t: Tensor, s: Tensor) -> Tensor:
    return kl(t, s)


def reverse_kl(t: Tensor, s: Tensor) -> Tensor:
    return kl(s, t)


def generalized_jsd(t: Tensor, s: Tensor, beta: float) -> Tensor:
    m = log_mixture(t, s, beta)
    return beta * kl(t, m) + (1 - beta) * kl(s, m)


def skew_forward_kl(t: Tensor, s: Tensor, alpha: float) -> Tensor:
    return kl(t, log_mixture(t, s, alpha))


def skew_reverse_kl(t: Tensor, s: Tensor, alpha: float) -> Tensor:
    return kl(s, log_mixture(s, t, alpha))


def total_variation(t: Tensor, s: Tensor) -> Tensor:
    return 0.5 * (t.exp() - s.exp()).abs().sum(-1)


def sorted_l1(t: Tensor, s: Tensor) -> Tensor:
    """ULD (Boizard et al. 2024): the L1 distance between the two distributions' probabilities, each
    sorted in descending order, the shorter one padded with zeros.

    It needs no correspondence between the two vocabularies, so it compares a teacher and a student
    that tokenise differently; it is the optimal-transport cost of turning one distribution into
    the other when any token may stand for any other. On a shared vocabulary it is at most the L1
    distance (twice the total variation), and zero only when the distributions agree up to a
    relabelling of tokens. Rows may have different widths here.
    """
    p = t.exp().sort(dim=-1, descending=True).values
    q = s.exp().sort(dim=-1, descending=True).values
    width = max(p.shape[-1], q.shape[-1])
    p = torch.nn.functional.pad(p, (0, width - p.shape[-1]))
    q = torch.nn.functional.pad(q, (0, width - q.shape[-1]))
    return (p - q).abs().sum(-1)


def log1mexp(x: Tensor) -> Tensor:
    """log(1 - exp(x)) for x <= 0, stable at both ends."""
    x = x.clamp(max=-1e-7)
    return torch.where(x > -math.log(2), torch.log(-torch.expm1(x)), torch.log1p(-torch.exp(x)))


def topk_bins(
    teacher_ids: Tensor,
    teacher_logprobs: Tensor,
    student_logprobs: Tensor,
    temperature: float = 1.0,
    teacher_tail: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Teacher and student as k+1 bins: the teacher's top-k tokens, then everything else.

    `teacher_logprobs` are the teacher's log-probs of its top-k tokens at T=1, `student_logprobs`
    the student's full-vocabulary log-probs already at `temperature`. At T=1 the teacher's tail is
    what the top-k leave. At any other T, tempering reshapes the tail in a way its total at T=1
    cannot tell (a spread-out tail grows much more than one token of the same mass would), so
    the teacher's tail log-mass at that T must come from the cache (`teacher_tail`, [n]). Given
    it, the tempered top-k follow exactly: they keep their T=1 log-ratios divided by T, and they
    share what the tail leaves.
    """
    if temperature == 1.0:
        tail = log1mexp(torch.logsumexp(teacher_logprobs, dim=-1, keepdim=True))
        teacher = torch.cat([teacher_logprobs, tail], dim=-1)
    else:
        if teacher_tail is None:
            raise ValueError(f"a top-k teacher at temperature {temperature} needs its tail mass at that temperature")
        tail = teacher_tail.reshape(-1, 1).to(teacher_logprobs.dtype)
        scaled = teacher_logprobs / temperature
        top = scaled + (log1mexp(tail) - torch.logsumexp(scaled, dim=-1, keepdim=True))
        teacher = torch.cat([top, tail], dim=-1)
    picked = student_logprobs.gather(-1, teacher_ids.long())
    student_tail = log1mexp(torch.logsumexp(picked, dim=-1, keepdim=True))
    return teacher, torch.cat([picked, student_tail], dim=-1)


def sampled_tail_bins(
    teacher_bins: Tensor, student_logprobs: Tensor, teacher_ids: Tensor, sample_ids: Tensor
) -> tuple[Tensor, Tensor]:
    """Top-k bins whose tail bin is split into m sampled tokens, each holding tail mass / m.

    `teacher_bins` are `topk_bins`' teacher bins (top-k, then the tail). Forward KL on these bins
    estimates the tail's cross-entropy without bias (each sample is drawn from the teacher's tail),
    so its gradient is unbiased; its value lacks the teacher's own tail term, which
    `sampled_tail_offset` restores. Other divergences need the teacher's probability of each
    sample, which the cache does not keep: they use the lumped bins.
    """
    m = sample_ids.shape[-1]
    tail = teacher_bins[:, -1:] - math.log(m)
    teacher = torch.cat([teacher_bins[:, :-1], tail.expand(-1, m)], dim=-1)
    picked = student_logprobs.gather(-1, torch.cat([teacher_ids, sample_ids], dim=-1).long())
    return teacher, picked


def sampled_tail_offset(teacher_bins: Tensor, tail_entropy: Tensor, samples: int) -> Tensor:
    """What forward KL on `sampled_tail_bins` lacks per row, a teacher-only constant: the tail's mass
    times (log m - the tail's entropy). With it the value estimates the full forward KL."""
    mass = teacher_bins[:, -1].exp()
    return mass * (math.log(samples) - tail_entropy.to(mass.dtype))
