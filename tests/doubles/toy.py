"""A toy chat world and a tiny model trained on it, for tests and the demo.

The conversations follow a few regular patterns (sums, capitals, colours, greetings), so a model of
a few hundred thousand parameters learns them in seconds and answers in recognisable sentences:
its replies differ from prompt to prompt, end on their own, and can be checked.
"""

from __future__ import annotations

import random
from pathlib import Path

from distillscope.zoo.tinymodels import (
    Arch,
    TinySize,
    chat_texts,
    fit_causal_lm,
    make_tiny_model,
    save_model,
    train_bpe_tokenizer,
)

CAPITALS = {
    "France": "Paris",
    "Japan": "Tokyo",
    "Italy": "Rome",
    "Spain": "Madrid",
    "Egypt": "Cairo",
    "Kenya": "Nairobi",
    "Peru": "Lima",
    "Canada": "Ottawa",
    "Norway": "Oslo",
    "Chile": "Santiago",
}
COLOURS = {"grass": "green", "the sky": "blue", "snow": "white", "coal": "black", "a banana": "yellow"}
GREETINGS = [
    ("Hello!", "Hello! How can I help you today?"),
    ("Hi there.", "Hi! What would you like to know?"),
    ("Good morning.", "Good morning! Ask me anything."),
    ("Thank you.", "You are welcome."),
]


def toy_conversations(count: int = 400, seed: int = 0) -> list[list[dict[str, str]]]:
    rng = random.Random(seed)
    out: list[list[dict[str, str]]] = []
    for _ in range(count):
        kind = rng.randrange(4)
        if kind == 0:
            a, b = rng.randint(1, 9), rng.randint(1, 9)
            q, r = f"What is {a} plus {b}?", f"{a} plus {b} is {a + b}."
        elif kind == 1:
            country = rng.choice(list(CAPITALS))
            q, r = f"What is the capital of {country}?", f"The capital of {country} is {CAPITALS[country]}."
        elif kind == 2:
            thing = rng.choice(list(COLOURS))
            q, r = f"What colour is {thing}?", f"{thing.capitalize()} is {COLOURS[thing]}."
        else:
            q, r = rng.choice(GREETINGS)
        out.append([{"role": "user", "content": q}, {"role": "assistant", "content": r}])
    return out


TOY_PROMPTS = [
    "What is 3 plus 4?",
    "What is the capital of Japan?",
    "What colour is snow?",
    "Hello!",
    "What is 8 plus 6?",
    "What is the capital of Peru?",
    "What colour is grass?",
    "Thank you.",
]


def build_toy_model(
    folder: Path | str,
    *,
    arch: Arch = "llama",
    size: TinySize | str = "nano",
    steps: int = 120,
    seed: int = 0,
) -> Path:
    """Train a tokenizer and a tiny chat model on the toy world and save it as an HF folder."""
    conversations = toy_conversations(seed=seed)
    plain = [turn["content"] for conv in conversations for turn in conv]
    tokenizer = train_bpe_tokenizer(plain, vocab_size=384)
    model = make_tiny_model(tokenizer, arch=arch, size=size, seed=seed)
    fit_causal_lm(model, tokenizer, chat_texts(tokenizer, conversations), steps=steps, block=64, seed=seed)
    return save_model(model, tokenizer, folder)
