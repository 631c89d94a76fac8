"""Embedding judge speed: pairs per second before and after the shared, stored, bfloat16 encoder.

Responses of about 300 words (sentences drawn from a bank of varied English text) stand for a
real audit's answers: P prompts, one reference and T targets, so P·T pairs. Three measurements,
each side by side in one run:

- cold: one judge over every pair on a fresh store. Before: today's judge (float32, each distinct
  text of the call encoded once). After: the shared encoder (bfloat16 on a CPU that computes it
  natively, length-sorted batches), with the cosine difference from float32 printed beside it;
- an audit: the same answers judged against two references (the reference and a candidate
  teacher), then read by the idiosyncrasy classifier, then the audit rerun. Before, every step
  encodes its own texts; after, one run store serves every step, so each text is encoded once;
- the speed-up is pairs judged per second over the audit (the goal: ≥ 4×).

    .venv/bin/python bench/embedding_speed.py [--prompts 60] [--targets 8]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from distillscope.judges.similarity.encoding import Encoder, load_encoder
from distillscope.store import RunStore

BANK = [
    "Photosynthesis converts light energy into chemical energy stored in glucose molecules.",
    "The mitochondria produce most of the cell's ATP through aerobic respiration.",
    "Rivers carve valleys over thousands of years as flowing water erodes the rock beneath.",
    "A balanced diet includes proteins, fats, carbohydrates, vitamins and minerals in proportion.",
    "The French Revolution began in 1789 and reshaped the politics of Europe for a century.",
    "Compound interest makes savings grow faster than simple interest over long periods.",
    "Vaccines train the immune system to recognise specific pathogens before an infection.",
    "To solve the equation, subtract three from both sides and then divide by two.",
    "First, preheat the oven; then mix the dry ingredients before adding the eggs.",
    "Binary search halves the interval at every step, so it needs logarithmic time.",
    "The Pythagorean theorem relates the squares of the sides of a right triangle.",
    "Good sleep hygiene means a fixed bedtime, a dark room and no screens late at night.",
    "Supply and demand set a market price where the two curves meet.",
    "Plate tectonics explains earthquakes, volcanoes and the drift of the continents.",
    "In summary, the answer depends on the assumptions you are willing to make.",
    "Let us consider each option in turn and weigh its costs against its benefits.",
]


def answer(rng: random.Random, words: int = 300) -> str:
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(rng.choice(BANK))
    return " ".join(sentences)


def before_embed(texts: list[str]) -> np.ndarray:
    """Today's judge: the distinct texts of one call, float32, nothing kept."""
    unique = list(dict.fromkeys(texts))
    vectors = load_encoder().encode(unique, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    rows = {t: i for i, t in enumerate(unique)}
    return np.asarray(vectors, dtype=np.float32)[[rows[t] for t in texts]]


def judge(embed, references: list[str], targets: list[list[str]]) -> np.ndarray:
    pairs_ref = [references[p] for p in range(len(references)) for _ in targets]
    pairs_target = [t[p] for p in range(len(references)) for t in targets]
    vectors = embed(pairs_ref + pairs_target)
    half = len(pairs_ref)
    return np.sum(vectors[:half] * vectors[half:], axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=60)
    parser.add_argument("--targets", type=int, default=8)
    args = parser.parse_args()
    rng = random.Random(0)
    reference = [answer(rng) for _ in range(args.prompts)]
    candidate = [answer(rng) for _ in range(args.prompts)]
    targets = [[answer(rng) for _ in range(args.prompts)] for _ in range(args.targets)]
    pairs = args.prompts * args.targets
    load_encoder().encode(["warm up"], show_progress_bar=False)

    clock = time.perf_counter()
    old = judge(before_embed, reference, targets)
    cold_before = time.perf_counter() - clock
    with tempfile.TemporaryDirectory(prefix="bench-embed-") as scratch:
        store = RunStore(Path(scratch) / "store.sqlite")
        clock = time.perf_counter()
        new = judge(Encoder(store=store).vectors, reference, targets)
        cold_after = time.perf_counter() - clock
        store.close()
    difference = float(np.max(np.abs(old - new)))
    correlation = float(np.corrcoef(old, new)[0, 1]) if np.std(old) > 0 and np.std(new) > 0 else 1.0

    everything = [*reference, *candidate, *(t for ts in targets for t in ts)]
    clock = time.perf_counter()
    for _ in range(2):  # the audit, then its rerun
        judge(before_embed, reference, targets)
        judge(before_embed, candidate, targets)
        before_embed(everything)  # the classifier's features
    audit_before = time.perf_counter() - clock
    with tempfile.TemporaryDirectory(prefix="bench-embed-") as scratch:
        clock = time.perf_counter()
        for _ in range(2):
            store = RunStore(Path(scratch) / "store.sqlite")  # a new process: only the store persists
            judge(Encoder(store=store).vectors, reference, targets)
            judge(Encoder(store=store).vectors, candidate, targets)
            Encoder(store=store).vectors(everything)
            store.close()
        audit_after = time.perf_counter() - clock

    judged = 4 * pairs  # two references, twice
    figures = {
        "pairs_per_s_before": judged / audit_before,
        "pairs_per_s_after": judged / audit_after,
        "speedup": audit_before / audit_after,
        "cold_pairs_per_s_before": pairs / cold_before,
        "cold_pairs_per_s_after": pairs / cold_after,
        "cold_speedup": cold_before / cold_after,
        "max_cosine_difference": difference,
        "cosine_correlation": correlation,
        "precision": Encoder().precision,
        "pairs": pairs,
    }
    print(f"{args.prompts} prompts × {args.targets} targets = {pairs} pairs of ~300-word answers")
    print(
        f"cold, one judge:  before {figures['cold_pairs_per_s_before']:.1f} pairs/s, after "
        f"{figures['cold_pairs_per_s_after']:.1f} pairs/s ({figures['cold_speedup']:.2f}×, {figures['precision']})"
    )
    print(f"  cosines: max difference {difference:.4f}, correlation {correlation:.6f}")
    print(
        f"an audit (2 references + classifier, then a rerun): before {figures['pairs_per_s_before']:.1f} pairs/s, "
        f"after {figures['pairs_per_s_after']:.1f} pairs/s ({figures['speedup']:.2f}×; goal ≥ 4×)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
