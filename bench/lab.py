"""What the distillation benches share: zoo-world documents, fresh tiny models, training through the
project's `train(TrainJob)`, and held-out perplexity with a paired interval.

Documents are the zoo world's conversations in one persona's voice, joined until each holds at
least `tokens` tokens; training and evaluation cut every document to exactly that many, so two
runs with the same steps and batch size see exactly the same number of tokens.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from distillscope.distill.common import (
    IGNORE,
    DistillCollator,
    build_examples,
    load_model,
    load_tokenizer,
    load_training_records,
    vocab_rows,
)
from distillscope.distill.signal import agreement_sums, output_head
from distillscope.distill.training import EvalJob, TrainJob, evaluate, train
from distillscope.fileio.jsonl import write_jsonl
from distillscope.stats import Estimate, bootstrap_mean
from distillscope.zoo.personas import Persona, load_personas
from distillscope.zoo.tinymodels import TinySize, make_tiny_model, save_model, train_bpe_tokenizer
from distillscope.zoo.world import Domain, conversations, make_items

ALL_DOMAINS: dict[Domain, int] = {"general": 1, "math": 1, "instructions": 1, "identity": 1}


def personas() -> dict[str, Persona]:
    return load_personas()


def voice_texts(persona: Persona, items_per_domain: int, seed: int) -> list[str]:
    """The world's conversations in one voice, each as plain text (question, then answer)."""
    counts = {domain: items_per_domain for domain in ALL_DOMAINS}
    items = make_items(counts, seed, frame_share=0.3)
    return ["\n".join(turn["content"] for turn in c) for c in conversations(items, persona, seed)]


def world_tokenizer(texts: Sequence[str], vocab_size: int = 512) -> Any:
    return train_bpe_tokenizer(texts, vocab_size=vocab_size)


def documents(tokenizer: Any, texts: Sequence[str], tokens: int) -> list[str]:
    """Consecutive texts joined (blank line between) until each document has at least `tokens` tokens."""
    out, current = [], []
    for text in texts:
        current.append(text)
        joined = "\n\n".join(current)
        if len(tokenizer(joined, add_special_tokens=False).input_ids) >= tokens:
            out.append(joined)
            current = []
    return out


def shuffled_words(text: str, rng: random.Random) -> str:
    """Noise with the corpus's own words: every word kept, their order lost."""
    words = text.split()
    rng.shuffle(words)
    return " ".join(words)


def write_text_records(path: Path, texts: Sequence[str], prefix: str = "doc") -> Path:
    write_jsonl(path, [{"id": f"{prefix}{i}", "text": text} for i, text in enumerate(texts)])
    return path


def fresh_model(tokenizer: Any, size: TinySize, folder: Path, seed: int = 0) -> Path:
    return save_model(make_tiny_model(tokenizer, "llama", size, seed=seed), tokenizer, folder)


def save_random_like(model_dir: Path, folder: Path, seed: int = 0) -> Path:
    """A freshly initialised model of another model's config, with its tokenizer: training from scratch."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(model_dir))
    return save_model(model, AutoTokenizer.from_pretrained(model_dir), folder)


def fit(
    student: Path,
    data: Path,
    output: Path,
    *,
    steps: int,
    tokens: int,
    batch_size: int = 16,
    learning_rate: float = 3e-3,
    teacher: Path | None = None,
    kd_weight: float = 1.0,
    seed: int = 0,
) -> Path:
    """SFT (or KD from `teacher`) with the project's trainer; only the final model is kept."""
    job = TrainJob(
        mode="kd" if teacher is not None else "sft",
        student=str(student),
        teacher=str(teacher) if teacher is not None else None,
        data=str(data),
        output=output,
        loss={"name": "forward_kl", "kd_weight": kd_weight},
        max_steps=steps,
        batch_size=batch_size,
        learning_rate=learning_rate,
        warmup_ratio=0.05,
        max_length=tokens,
        save_steps=10 * steps,
        logging_steps=steps,
        seed=seed,
        device="cpu",
        resume=False,
    )
    train(job)
    shutil.rmtree(output / "checkpoints", ignore_errors=True)
    return output


def perplexity(model: Path, data: Path, tokens: int) -> float:
    """Held-out perplexity from the project's `eval`."""
    job = EvalJob(student=str(model), data=str(data), max_length=tokens, batch_size=32, device="cpu")
    return evaluate(job).perplexity


@torch.no_grad()
def document_nll(model_dir: Path, data: Path, tokens: int) -> np.ndarray:
    """Mean next-token NLL of each held-out document: the per-item evidence behind a perplexity."""
    tokenizer = load_tokenizer(model_dir)
    model = load_model(model_dir, dtype="float32", device="cpu").eval()
    examples = build_examples(tokenizer, load_training_records(data), tokens, data)
    collate = DistillCollator(tokenizer.pad_token_id)
    vocab = vocab_rows(model)
    out = []
    for example in examples:
        batch = collate([{"input_ids": example.input_ids, "labels": example.labels}])
        mask = batch["labels"][:, 1:] != IGNORE
        hidden = model(input_ids=batch["input_ids"], output_hidden_states=True, logits_to_keep=1).hidden_states[-1]
        sums = agreement_sums(
            hidden[:, :-1][mask], output_head(model, vocab), batch["labels"][:, 1:][mask], None, vocab
        )
        out.append(sums.nll / sums.tokens)
    return np.asarray(out)


def log_ppl_gap(better: np.ndarray, worse: np.ndarray) -> Estimate:
    """Paired over documents: mean NLL of `worse` minus `better` (> 0 when `better` wins), with a 95% CI."""
    return bootstrap_mean((worse - better).tolist(), resamples=4000)
