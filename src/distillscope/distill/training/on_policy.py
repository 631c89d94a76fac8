"""On-policy distillation (GKD): a share of the batches is completed by the student itself.

Off-policy KD teaches the student on the dataset's answers, but at inference the student reads its
own earlier tokens, and where those stray from the data the teacher never showed it what to do.
Generalized knowledge distillation (Agarwal et al.) closes that gap: for a share λ of the batches,
the student samples a completion for each prompt, the teacher scores every token of it, and the
student learns the teacher's distribution on the text it actually writes. The prompt is
everything before the example's last assistant turn, as in trl's GKD collator.

The sampling is trl's: `GKDTrainer.generate_on_policy_outputs` behind
`unwrap_model_for_generation` (which gathers sharded weights and pauses gradient
checkpointing). The batch is then laid out again with right padding and fresh labels, so the
rest of the step is the ordinary KD step.

Which batches go on-policy, and what the student samples, depend only on the seed and the
position of the batch in training (step and micro-batch), never on a global random state: a run
repeats exactly, and a resumed run makes the same choices it would have made without the stop.
Under `accelerate launch` the choice leaves out the process, so all processes take an on-policy
step together (as one big batch would); the sampling adds it, so their rows are sampled from
independent streams rather than from one stream repeated.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from distillscope.distill.common.dataset import IGNORE

Tensor = torch.Tensor


def _stream(seed: int, step: int, micro: int, rank: int = 0) -> np.random.Generator:
    # Rank 0 keeps the stream of a single process, so a one-process run samples as it always has.
    return np.random.default_rng([seed, step, micro, rank] if rank else [seed, step, micro])


def is_on_policy(share: float, seed: int, step: int, micro: int) -> bool:
    """Whether micro-batch `micro` of optimizer step `step` is completed by the student."""
    if share <= 0:
        return False
    return share >= 1 or bool(_stream(seed, step, micro).random() < share)


@contextmanager
def seeded_sampling(seed: int, step: int, micro: int, device: torch.device, rank: int = 0) -> Iterator[None]:
    """Sampling seeded by the batch's position (and process); the training's own random state is left untouched."""
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(_stream(seed, step, micro, rank).integers(1, 2**62, endpoint=False)) ^ 0x5EED)
        yield


def prompt_lengths(labels: Tensor) -> list[int]:
    """Where each row's last trained span starts: the prompt is everything before it."""
    lengths = []
    for row in labels.tolist():
        start = max((i for i, label in enumerate(row) if label != IGNORE), default=0)
        while start > 0 and row[start - 1] != IGNORE:
            start -= 1
        lengths.append(start)
    return lengths


def _left_padded(rows: list[list[int]], pad: int) -> tuple[Tensor, Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, width - len(row) :] = torch.tensor(row)
        mask[i, width - len(row) :] = 1
    return ids, mask


def _right_padded(prompts: list[list[int]], completions: list[list[int]], pad: int) -> dict[str, Tensor]:
    width = max(len(p) + len(c) for p, c in zip(prompts, completions, strict=True))
    ids = torch.full((len(prompts), width), pad, dtype=torch.long)
    labels = torch.full((len(prompts), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, (prompt, completion) in enumerate(zip(prompts, completions, strict=True)):
        n, m = len(prompt), len(completion)
        ids[i, : n + m] = torch.tensor(prompt + completion)
        labels[i, n : n + m] = torch.tensor(completion)
        mask[i, : n + m] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def generation_settings(max_new_tokens: int, pad_token_id: int, eos_token_id: int | list[int] | None) -> dict:
    """Plain sampling from the student's own distribution (temperature 1, no top-k or top-p cut)."""
    return {
        "max_new_tokens": max_new_tokens,
        "do_sample": True,
        "temperature": 1.0,
        "top_k": 0,
        "top_p": 1.0,
        "pad_token_id": pad_token_id,
        "eos_token_id": eos_token_id,
    }


def _trl_generation() -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # trl.experimental warns on import; GKD's sampler is what we want
        try:
            from trl.experimental.gkd import GKDTrainer
        except ImportError:  # trl before 1.0 kept GKD at the top level
            from trl import GKDTrainer
    from trl.models.utils import unwrap_model_for_generation

    return GKDTrainer.generate_on_policy_outputs, unwrap_model_for_generation


def student_completions(
    model: Any, accelerator: Any, inputs: dict[str, Tensor], settings: dict, pad_token_id: int
) -> dict[str, Tensor]:
    """The batch with each row's last assistant turn replaced by the student's own sample.

    Rows come back right-padded, labelled on the sampled tokens (through the first end-of-turn).
    """
    from transformers import GenerationConfig

    generate_outputs, unwrap_for_generation = _trl_generation()
    device = inputs["input_ids"].device
    cuts = prompt_lengths(inputs["labels"])
    prompts = [row[:cut].tolist() for row, cut in zip(inputs["input_ids"], cuts, strict=True)]
    prompt_ids, prompt_mask = _left_padded(prompts, pad_token_id)
    batch = {"prompts": prompt_ids.to(device), "prompt_attention_mask": prompt_mask.to(device)}
    config = GenerationConfig(**settings)
    was_training = model.training
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        with unwrap_for_generation(model, accelerator, generation_kwargs=settings) as unwrapped, torch.no_grad():
            unwrapped.eval()
            sequences, attention, _ = generate_outputs(unwrapped, batch, config)
            unwrapped.train(was_training)
    width = prompt_ids.shape[1]
    completions = [
        seq[width:][keep[width:].bool()].tolist() for seq, keep in zip(sequences.cpu(), attention.cpu(), strict=True)
    ]
    return {k: v.to(device) for k, v in _right_padded(prompts, completions, pad_token_id).items()}


def trained_tokens(labels: Tensor) -> int:
    return int((labels[:, 1:] != IGNORE).sum())
