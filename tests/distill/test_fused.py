"""The fused objective (one projection per chunk, gradients taken on the spot) against the plain
checkpointed path: same value and same gradients for every loss, temperature, weight and head."""

from __future__ import annotations

import pytest
import torch

from distillscope.distill.signal import LOSSES, KDLoss, TeacherSignal, distill_loss_sums, distill_objective
from distillscope.distill.signal.fused import LinearHead
from distillscope.distill.signal.losses import topk_bins


def _heads(vocab: int, hidden: int, *, bias: bool, scale: float | None, softcap: float | None):
    torch.manual_seed(1)
    weight = torch.randn(vocab + 3, hidden, dtype=torch.float64, requires_grad=True)  # padded rows, sliced off
    b = torch.randn(vocab + 3, dtype=torch.float64, requires_grad=True) if bias else None
    teacher = LinearHead(torch.randn(vocab, hidden, dtype=torch.float64), None, vocab)
    return LinearHead(weight, b, vocab, scale, softcap), teacher


def _grads(head: LinearHead, hidden: torch.Tensor, value: torch.Tensor) -> list[torch.Tensor]:
    inputs = [hidden, head.weight] + ([head.bias] if head.bias is not None else [])
    return list(torch.autograd.grad(value, inputs))


@pytest.mark.parametrize("name", sorted(LOSSES.names()))
@pytest.mark.parametrize(("temperature", "kd_weight"), [(1.0, 1.0), (1.0, 0.3), (2.0, 0.6)])
def test_fused_objective_matches_the_checkpointed_path(name, temperature, kd_weight):
    vocab, width, positions = 37, 8, 23
    head, teacher_head = _heads(vocab, width, bias=True, scale=0.7, softcap=None)
    hidden = torch.randn(positions, width, dtype=torch.float64, requires_grad=True)
    teacher = TeacherSignal(hidden=torch.randn(positions, width, dtype=torch.float64), head=teacher_head)
    targets = torch.randint(0, vocab, (positions,))
    loss = KDLoss(name=name, temperature=temperature, kd_weight=kd_weight, chunk_size=5)
    kd_coef, ce_coef = kd_weight * loss.kd_scale, 1 - kd_weight

    total, kd, ce = distill_objective(hidden, head, targets, loss, teacher, vocab, kd_coef, ce_coef)
    plain_kd, plain_ce = distill_loss_sums(hidden, lambda h: head(h), targets, loss, teacher, vocab)
    reference = kd_coef * plain_kd + ce_coef * plain_ce
    assert total.item() == pytest.approx(reference.item(), rel=1e-10)
    assert kd.item() == pytest.approx(plain_kd.item(), rel=1e-10)
    assert ce.item() == pytest.approx(plain_ce.item(), rel=1e-10)
    for ours, theirs in zip(_grads(head, hidden, total * 1.7), _grads(head, hidden, reference * 1.7), strict=True):
        assert torch.allclose(ours, theirs, rtol=1e-8, atol=1e-10)


def test_fused_objective_with_a_softcapped_head_and_top_k_bins():
    vocab, width, positions, k = 29, 6, 17, 5
    head, teacher_head = _heads(vocab, width, bias=False, scale=None, softcap=3.0)
    hidden = torch.randn(positions, width, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        values, ids = torch.topk(
            torch.log_softmax(teacher_head(torch.randn(positions, width, dtype=torch.float64)), -1), k
        )
    cached = TeacherSignal(topk_ids=ids, topk_logprobs=values)
    targets = torch.randint(0, vocab, (positions,))
    loss = KDLoss(kd_weight=0.5, chunk_size=4)
    total, _, _ = distill_objective(hidden, head, targets, loss, cached, vocab, 0.5, 0.5)

    logits = head(hidden)
    student = torch.log_softmax(logits, -1)
    t_bins, s_bins = topk_bins(ids, values, student)
    naive = 0.5 * loss.divergence()(t_bins, s_bins).sum() + 0.5 * torch.nn.functional.cross_entropy(
        logits, targets, reduction="sum"
    )
    assert total.item() == pytest.approx(naive.item(), rel=1e-10)
    for ours, theirs in zip(_grads(head, hidden, total), _grads(head, hidden, naive), strict=True):
        assert torch.allclose(ours, theirs, rtol=1e-8, atol=1e-10)


def test_cross_entropy_alone_and_a_frozen_head():
    vocab, width, positions = 19, 4, 9
    head, _ = _heads(vocab, width, bias=False, scale=None, softcap=None)
    frozen = LinearHead(head.weight.detach(), None, vocab)
    hidden = torch.randn(positions, width, dtype=torch.float64, requires_grad=True)
    targets = torch.randint(0, vocab, (positions,))
    total, kd, ce = distill_objective(hidden, frozen, targets, KDLoss(), None, vocab, 0.0, 1.0)
    naive = torch.nn.functional.cross_entropy(frozen(hidden), targets, reduction="sum")
    assert kd.item() == 0 and ce.item() == pytest.approx(naive.item(), rel=1e-12)
    (ours,) = torch.autograd.grad(total, hidden)
    (theirs,) = torch.autograd.grad(naive, hidden)
    assert torch.allclose(ours, theirs, rtol=1e-9)
