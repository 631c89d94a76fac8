"""Each KD loss against its definition, computed naively in float64 on random distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from distillscope.distill.signal import KDLoss, TeacherSignal, distill_loss_sums
from distillscope.distill.signal.losses import topk_bins

torch.manual_seed(0)


def naive(name: str, p: np.ndarray, q: np.ndarray, beta=0.5, alpha=0.1) -> float:
    """The textbook formulas, one distribution pair at a time, with plain numpy."""

    def kl(a, b):
        return float(sum(x * math.log(x / y) for x, y in zip(a, b, strict=True) if x > 0))

    if name == "forward_kl":
        return kl(p, q)
    if name == "reverse_kl":
        return kl(q, p)
    if name == "jsd":
        m = beta * p + (1 - beta) * q
        return beta * kl(p, m) + (1 - beta) * kl(q, m)
    if name == "skew_forward_kl":
        return kl(p, alpha * p + (1 - alpha) * q)
    if name == "skew_reverse_kl":
        return kl(q, alpha * q + (1 - alpha) * p)
    if name == "tv":
        return 0.5 * float(np.abs(p - q).sum())
    if name == "uld":
        width = max(len(p), len(q))
        a, b = (np.pad(np.sort(x)[::-1], (0, width - len(x))) for x in (p, q))
        return float(np.abs(a - b).sum())
    raise ValueError(name)


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


NAMES = ["forward_kl", "reverse_kl", "jsd", "skew_forward_kl", "skew_reverse_kl", "tv", "uld"]


def test_uld_compares_vocabularies_of_different_sizes_up_to_relabelling():
    teacher = torch.log_softmax(torch.randn(3, 9, dtype=torch.float64), -1)
    student = torch.log_softmax(torch.randn(3, 5, dtype=torch.float64), -1)
    uld = KDLoss(name="uld").divergence()
    for row in range(3):
        expected = naive("uld", teacher[row].exp().numpy(), student[row].exp().numpy())
        assert uld(teacher, student)[row].item() == pytest.approx(expected, rel=1e-12)
    shuffled = teacher[:, torch.randperm(9)]
    assert torch.allclose(uld(teacher, shuffled), torch.zeros(3, dtype=torch.float64))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("temperature", [1.0, 2.5])
def test_value_and_gradient_match_the_definition(name, temperature):
    cfg = KDLoss(name=name, temperature=temperature, beta=0.3, alpha=0.2, kd_weight=1.0, chunk_size=3)
    teacher_logits = torch.randn(7, 11, dtype=torch.float64) * 2
    student_logits = torch.randn(7, 11, dtype=torch.float64, requires_grad=True)
    t = torch.log_softmax(teacher_logits / temperature, -1)
    s = torch.log_softmax(student_logits / temperature, -1)
    ours = cfg.divergence()(t, s)
    expected = [
        naive(name, softmax(tl / temperature), softmax(sl / temperature), 0.3, 0.2)
        for tl, sl in zip(teacher_logits.numpy(), student_logits.detach().numpy(), strict=True)
    ]
    assert ours.detach().numpy() == pytest.approx(expected, rel=1e-9, abs=1e-12)

    # Gradient: autograd through ours against a central finite difference of the naive formula.
    ours.sum().backward()
    eps = 1e-6
    row, col = 2, 5
    bumped = [student_logits.detach().numpy()[row].copy() for _ in range(2)]
    bumped[0][col] += eps
    bumped[1][col] -= eps
    tl = teacher_logits.numpy()[row] / temperature
    numeric = (
        naive(name, softmax(tl), softmax(bumped[0] / temperature), 0.3, 0.2)
        - naive(name, softmax(tl), softmax(bumped[1] / temperature), 0.3, 0.2)
    ) / (2 * eps)
    assert student_logits.grad[row, col].item() == pytest.approx(numeric, rel=1e-4, abs=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_chunked_masked_loss_equals_the_masked_mean_of_the_definition(name):
    """Through the training path: masking, temperature, T^2, chunking and checkpointing."""
    temperature, vocab = 2.0, 13
    cfg = KDLoss(name=name, temperature=temperature, kd_weight=1.0, chunk_size=4)
    batch, length = 3, 6
    student_logits = torch.randn(batch, length, vocab, dtype=torch.float64, requires_grad=True)
    teacher_logits = torch.randn(batch, length, vocab, dtype=torch.float64)
    mask = torch.rand(batch, length) > 0.4
    targets = torch.randint(0, vocab, (int(mask.sum()),))

    def identity(x):
        return x

    kd_sum, _ = distill_loss_sums(
        student_logits[mask], identity, targets, cfg, TeacherSignal(hidden=teacher_logits[mask], head=identity)
    )
    ours = cfg.kd_scale * kd_sum / mask.sum()
    rows = [
        naive(
            name,
            softmax(teacher_logits[b, i].numpy() / temperature),
            softmax(student_logits[b, i].detach().numpy() / temperature),
            cfg.beta,
            cfg.alpha,
        )
        for b in range(batch)
        for i in range(length)
        if mask[b, i]
    ]
    assert ours.item() == pytest.approx(temperature**2 * np.mean(rows), rel=1e-9)
    ours.backward()
    assert torch.all(student_logits.grad[~mask] == 0) and torch.any(student_logits.grad[mask] != 0)


def test_kd_weight_mixes_kd_and_cross_entropy():
    logits = torch.randn(5, 9, dtype=torch.float64)
    teacher = torch.randn(5, 9, dtype=torch.float64)
    targets = torch.randint(0, 9, (5,))

    def identity(x):
        return x

    signal = TeacherSignal(hidden=teacher, head=identity)
    kd, ce = distill_loss_sums(logits, identity, targets, KDLoss(kd_weight=0.5), signal)
    assert ce.item() == pytest.approx(torch.nn.functional.cross_entropy(logits, targets, reduction="sum").item())
    assert kd.item() > 0
    kd_only, ce_none = distill_loss_sums(logits, identity, targets, KDLoss(kd_weight=1.0), signal)
    assert ce_none.item() == 0 and kd_only.item() == pytest.approx(kd.item())


def test_topk_bins_are_exact_with_every_token_and_a_lower_bound_otherwise():
    vocab = 20
    teacher = torch.log_softmax(torch.randn(4, vocab, dtype=torch.float64) * 3, -1)
    student = torch.log_softmax(torch.randn(4, vocab, dtype=torch.float64), -1)
    full = KDLoss(name="forward_kl").divergence()(teacher, student)
    for k, exact in [(vocab - 1, True), (5, False)]:
        values, ids = torch.topk(teacher, k)
        t_bins, s_bins = topk_bins(ids, values, student)
        assert torch.allclose(t_bins.exp().sum(-1), torch.ones(4, dtype=torch.float64))
        assert torch.allclose(s_bins.exp().sum(-1), torch.ones(4, dtype=torch.float64))
        binned = KDLoss(name="forward_kl").divergence()(t_bins, s_bins)
        if exact:  # k = V-1: the tail bin is the one remaining token
            assert torch.allclose(binned, full)
        assert torch.all(binned <= full + 1e-12)


def test_tempered_topk_bins_with_the_true_tail_equal_binning_the_tempered_teacher():
    vocab, temperature, k = 30, 2.0, 6
    logits = torch.randn(5, vocab, dtype=torch.float64) * 3
    untempered = torch.log_softmax(logits, -1)
    tempered = torch.log_softmax(logits / temperature, -1)
    values, ids = torch.topk(untempered, k)
    top_t = tempered.gather(-1, ids)
    true_tail = torch.log1p(-top_t.exp().sum(-1))
    student = torch.log_softmax(torch.randn(5, vocab, dtype=torch.float64), -1)
    t_bins, _ = topk_bins(ids, values, student, temperature, true_tail)
    assert torch.allclose(t_bins, torch.cat([top_t, true_tail[:, None]], -1))
    with pytest.raises(ValueError, match="needs its tail mass"):
        topk_bins(ids, values, student, temperature)
