"""Minitron on a zoo-world teacher: prune to about half its parameters, then recover with KD or SFT.

Everything is made here from the zoo's world, and every model is trained with the project's
`train(TrainJob)`:
- the teacher (8 layers, hidden 64, 4 heads / 2 KV heads, MLP 192) learns teacher A's voice;
- `prune` cuts it to about half its parameters two ways, each from the same importance pass over
  256 calibration documents: width (hidden 64 → 48, MLP 192 → 112) and depth (8 → 4 layers);
- each pruned model is scored right after pruning, then recovered at one token budget (the same
  documents, steps, batch size and 128 tokens per example) by
  - KD: `train --mode kd` from the unpruned teacher (logits only, as Minitron does), and
  - SFT: `train --mode sft` on the same documents;
- a model of the pruned config, trained from scratch on that same budget, is the baseline.

Held-out perplexity on new teacher-domain documents comes from `eval`; each comparison also gets
a paired bootstrap interval of the per-document NLL gap. Recovery uses learning rate 1e-3 (the
weights are already trained); from scratch uses 3e-3, the rate the teacher itself was trained at.

Recovery text (`--recovery`): `general`, the default and Minitron's setting, mixes every voice of
the world (the teacher's is a third of it); `teacher` is more of the teacher's own voice.

Expected: ppl_pruned_kd < ppl_pruned_sft < ppl_scratch, for both the width and the depth cut.

    .venv/bin/python bench/prune.py [--recovery general|teacher]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parent))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

TOKENS, BATCH = 128, 16
TEACHER = {"hidden": 64, "layers": 8, "heads": 4, "kv_heads": 2, "intermediate": 192}
TEACHER_STEPS, RECOVERY_STEPS = 500, 120
CUTS = {
    "width": {"hidden_size": 48, "intermediate_size": 112},
    "depth": {"num_layers": 4},
}


def recovery_corpus(lab: Any, recovery: str) -> list[str]:
    """The recovery text. `general` (Minitron's setting): every voice of the world, of which the
    teacher's is a third, so the labels of the text and the teacher's predictions differ and KD has
    something to add. `teacher`: more of the teacher's own voice, where a teacher that predicts its
    text almost perfectly (held-out perplexity near 1.3) gives nearly the text's own labels."""
    voices = lab.personas()
    if recovery == "teacher":
        return lab.voice_texts(voices["aurora"], 150, seed=2)
    mixed = [text for name in ("aurora", "sable", "plain") for text in lab.voice_texts(voices[name], 50, seed=2)]
    random.Random(2).shuffle(mixed)
    return mixed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recovery", choices=["general", "teacher"], default="general")
    args = parser.parse_args()
    import lab
    from distillscope.distill.prune import PruneJob, run_prune
    from distillscope.zoo.tinymodels import TinySize

    started = time.perf_counter()
    aurora = lab.personas()["aurora"]
    teacher_texts = lab.voice_texts(aurora, 250, seed=1)
    recovery_texts = recovery_corpus(lab, args.recovery)
    held_texts = lab.voice_texts(aurora, 30, seed=99)
    tokenizer = lab.world_tokenizer(teacher_texts + recovery_texts)
    with tempfile.TemporaryDirectory(prefix="bench-prune-") as scratch:
        work = Path(scratch)
        docs = {
            name: lab.write_text_records(work / f"{name}.jsonl", lab.documents(tokenizer, texts, TOKENS))
            for name, texts in (("teacher", teacher_texts), ("recovery", recovery_texts), ("held", held_texts))
        }
        init = lab.fresh_model(tokenizer, TinySize(**TEACHER), work / "teacher-init")
        teacher = lab.fit(init, docs["teacher"], work / "teacher", steps=TEACHER_STEPS, tokens=TOKENS, batch_size=BATCH)
        teacher_ppl = lab.perplexity(teacher, docs["held"], TOKENS)
        rows: dict[str, dict] = {}
        for cut, targets in CUTS.items():
            pruned = work / f"pruned-{cut}"
            summary = run_prune(
                PruneJob(
                    model=str(teacher),
                    calibration=str(docs["recovery"]),
                    output=pruned,
                    samples=256,
                    max_length=TOKENS,
                    device="cpu",
                    **targets,
                )
            )
            budget = {"steps": RECOVERY_STEPS, "tokens": TOKENS, "batch_size": BATCH}
            kd = lab.fit(pruned, docs["recovery"], work / f"{cut}-kd", teacher=teacher, learning_rate=1e-3, **budget)
            sft = lab.fit(pruned, docs["recovery"], work / f"{cut}-sft", learning_rate=1e-3, **budget)
            fresh = work / f"{cut}-scratch-init"
            lab.save_random_like(pruned, fresh, seed=5)
            scratch_model = lab.fit(fresh, docs["recovery"], work / f"{cut}-scratch", learning_rate=3e-3, **budget)
            models = {"pruned": pruned, "pruned_kd": kd, "pruned_sft": sft, "scratch": scratch_model}
            nll = {name: lab.document_nll(path, docs["held"], TOKENS) for name, path in models.items()}
            rows[cut] = {
                "summary": summary,
                "ppl": {name: lab.perplexity(path, docs["held"], TOKENS) for name, path in models.items()},
                "kd_vs_sft": lab.log_ppl_gap(nll["pruned_kd"], nll["pruned_sft"]),
                "kd_vs_scratch": lab.log_ppl_gap(nll["pruned_kd"], nll["scratch"]),
                "sft_vs_scratch": lab.log_ppl_gap(nll["pruned_sft"], nll["scratch"]),
                "heldout": len(nll["pruned"]),
            }
    elapsed = time.perf_counter() - started
    report(rows, teacher_ppl, elapsed, args.recovery)


def report(rows: dict[str, dict], teacher_ppl: float, elapsed: float, recovery: str) -> None:
    tokens = RECOVERY_STEPS * BATCH * TOKENS
    print(f"teacher: {TEACHER}, held-out perplexity {teacher_ppl:.3f}; recovery text: {recovery}")
    print(f"recovery budget for every model: {RECOVERY_STEPS} steps × {BATCH} × {TOKENS} tokens = {tokens:,} tokens")
    for cut, row in rows.items():
        s, ppl = row["summary"], row["ppl"]
        print(f"\n{cut}: {s.before.describe()}  →  {s.after.describe()}")
        kept = f"({s.ratio:.1%}); layers kept {s.kept_layers}"
        print(f"  parameters {s.parameters_before:,} → {s.parameters_after:,} {kept}")
        print(f"  right after pruning       perplexity {ppl['pruned']:.3f}")
        print(f"  pruned + KD from teacher  perplexity {ppl['pruned_kd']:.3f}")
        print(f"  pruned + SFT              perplexity {ppl['pruned_sft']:.3f}")
        print(f"  same size, from scratch   perplexity {ppl['scratch']:.3f}")
        n = row["heldout"]
        for name in ("kd_vs_sft", "kd_vs_scratch", "sft_vs_scratch"):
            print(f"  NLL gap {name.replace('_vs_', ' over ')}: {row[name]} per token (paired, n={n} documents)")
    print(f"\nelapsed {elapsed:.0f} s (2-core machine, shared)")
    line = {
        key: {cut: round(row["ppl"][name], 4) for cut, row in rows.items()}
        for key, name in (
            ("ppl_pruned", "pruned"),
            ("ppl_pruned_kd", "pruned_kd"),
            ("ppl_pruned_sft", "pruned_sft"),
            ("ppl_scratch", "scratch"),
        )
    }
    line["ppl_teacher"] = round(teacher_ppl, 4)
    line["parameter_ratio"] = {cut: round(row["summary"].ratio, 4) for cut, row in rows.items()}
    line["kd_over_sft_nll_gap"] = {cut: row["kd_vs_sft"].as_dict() for cut, row in rows.items()}
    line["kd_over_scratch_nll_gap"] = {cut: row["kd_vs_scratch"].as_dict() for cut, row in rows.items()}
    line["recovery_tokens"] = RECOVERY_STEPS * BATCH * TOKENS
    line["recovery"] = recovery
    line["seconds"] = round(elapsed, 1)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
