"""The GPU path as far as a CPU can cover it: the fused loss under bf16 autocast (as `--precision bf16`
runs it), and a clear error for bf16 without a GPU. `accelerate launch` is test_ddp.py's."""

from __future__ import annotations

import pytest
import torch

from distillscope.distill.signal import KDLoss, TeacherSignal, distill_objective
from distillscope.distill.signal.fused import LinearHead


def test_the_fused_loss_under_bf16_autocast_stays_close_to_float32():
    torch.manual_seed(0)
    vocab, width, positions = 500, 32, 40
    weight = torch.randn(vocab, width, requires_grad=True)
    hidden = torch.randn(positions, width, requires_grad=True)
    teacher = TeacherSignal(
        hidden=torch.randn(positions, width), head=LinearHead(torch.randn(vocab, width), None, vocab)
    )
    targets = torch.randint(0, vocab, (positions,))
    loss = KDLoss(kd_weight=0.5, chunk_size=16)

    def run() -> tuple[torch.Tensor, ...]:
        total, _, _ = distill_objective(
            hidden, LinearHead(weight, None, vocab), targets, loss, teacher, vocab, 0.5, 0.5
        )
        return (total.detach(), *torch.autograd.grad(total, [hidden, weight]))

    full = run()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        half = run()
    assert half[1].dtype == torch.float32 and half[2].dtype == torch.float32  # gradients come back in the params' dtype
    assert torch.allclose(half[0], full[0], rtol=2e-2)
    for ours, reference in zip(half[1:], full[1:], strict=True):
        assert (ours - reference).norm() / reference.norm() < 5e-2


@pytest.mark.skipif(torch.cuda.is_available(), reason="on a GPU bf16 is allowed")
def test_bf16_without_a_gpu_is_one_clear_error(cli, toy_model_dir, toy_chat_data, tmp_path):
    result = cli(
        "train", "--mode", "sft", "--student", f"hf:{toy_model_dir}", "--data", str(toy_chat_data[0]),
        "--precision", "bf16", "-o", str(tmp_path / "x"),
    )  # fmt: skip
    assert result.exit_code != 0
    assert "precision bf16 needs a CUDA GPU" in result.stderr and "Traceback" not in result.stderr
