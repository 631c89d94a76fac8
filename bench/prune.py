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

`--real` runs the same on a real model instead (`make bench-teacher`): SmolLM2-135M-Instruct
(GGUF, dequantised once into the bench cache) is pruned to about half its parameters by width
(hidden 576 → 432, MLP 1536 → 768, query heads 9 → 6) and by depth (30 → 14 layers), each from an
importance pass over the same general text (the depth cut adds one pass per layer, to measure the loss
rise of skipping it), and each cut is recovered with KD from SmolLM2 and with SFT at one budget. The
recovery text is general: other real models' answers to AlpacaEval prompts (the models labelled
`none`, one per prompt in turn). Every model is scored on held-out general text (the same models'
answers to new prompts) and on the teacher's domain (SmolLM2's own answers to those prompts),
both reported, each comparison with a paired interval over documents. The JSON then carries
`general.ppl_pruned_kd` and `general.ppl_pruned_sft` per cut, and the same under `domain`.

    .venv/bin/python bench/prune.py [--recovery general|teacher] [--real [--quick]]
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
    parser.add_argument("--real", action="store_true", help="prune SmolLM2-135M-Instruct instead of a zoo model")
    parser.add_argument("--quick", action="store_true", help="with --real: a smoke run at a tiny budget")
    args = parser.parse_args()
    if args.real:
        real_main(args.quick)
        return
    import lab
    from distillscope.distill.pruning import PruneJob, run_prune
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
    print(f"\nelapsed {elapsed:.0f} s")
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


REAL_CUTS = {
    # SmolLM2 has 9 query heads in 3 KV groups; transformers wants the hidden size a multiple of the heads
    "width": {"hidden_size": 432, "intermediate_size": 768, "num_heads": 6},
    "depth": {"num_layers": 14},
}
REAL_FULL = {"recovery": 192, "held": 16, "steps": 40, "batch": 8, "tokens": 128, "samples": 64, "answer_tokens": 96}
REAL_QUICK = {"recovery": 8, "held": 3, "steps": 1, "batch": 2, "tokens": 96, "samples": 4, "answer_tokens": 16}


def real_main(quick: bool) -> None:
    """Minitron on SmolLM2: recover by KD and by SFT on general text, score on general and domain text."""
    import lab
    import smol
    from distillscope.distill.pruning import PruneJob, run_prune

    budget = REAL_QUICK if quick else REAL_FULL
    started = time.perf_counter()
    work = smol.cache_root() / ("prune-real-quick" if quick else "prune-real")
    work.mkdir(parents=True, exist_ok=True)
    teacher = smol.smollm2_folder()
    answers = smol.real_answers()
    voices = smol.models_labelled("none")
    prompts = smol.split_prompts(answers, {"recovery": budget["recovery"], "held": budget["held"]}, seed=1)
    data = {
        "recovery": general_records(work / "recovery.jsonl", answers, prompts["recovery"], voices),
        "general": general_records(work / "general-held.jsonl", answers, prompts["held"], voices),
        "domain": teacher_answers(work, teacher, prompts["held"], budget["answer_tokens"]),
    }
    tokens = budget["tokens"]
    scores = {held: {"teacher": lab.perplexity(teacher, data[held], tokens)} for held in ("general", "domain")}
    rows: dict[str, dict] = {}
    for cut, targets in REAL_CUTS.items():
        pruned = work / f"pruned-{cut}"
        clock = time.perf_counter()
        if not (pruned / "config.json").is_file():
            run_prune(
                PruneJob(
                    model=f"hf:{teacher}", calibration=str(data["recovery"]), output=pruned,
                    samples=budget["samples"], max_length=tokens, device="cpu", **targets,
                )
            )  # fmt: skip
        prune_seconds = time.perf_counter() - clock  # near 0 when the pruned model came from the cache
        fit = {"steps": budget["steps"], "tokens": tokens, "batch_size": budget["batch"], "learning_rate": 2e-4}
        kd = lab.fit(pruned, data["recovery"], work / f"{cut}-kd", teacher=teacher, **fit)
        sft = lab.fit(pruned, data["recovery"], work / f"{cut}-sft", **fit)
        models = {"pruned": pruned, "pruned_kd": kd, "pruned_sft": sft}
        counts = json.loads((pruned / "pruning.json").read_text())["parameters"]
        rows[cut] = {"ratio": round(counts["after"] / counts["before"], 4), "prune_seconds": round(prune_seconds, 1)}
        for held in ("general", "domain"):
            nll = {name: lab.document_nll(path, data[held], tokens) for name, path in models.items()}
            rows[cut][held] = {
                "ppl": {name: lab.perplexity(path, data[held], tokens) for name, path in models.items()},
                "kd_vs_sft": lab.log_ppl_gap(nll["pruned_kd"], nll["pruned_sft"]),
                "documents": len(nll["pruned"]),
            }
    real_report(rows, scores, budget, time.perf_counter() - started)


def general_records(path: Path, answers: list[dict], prompts: list[str], voices: list[str]) -> Path:
    """General text: each prompt answered by one of the real models in turn (none of it SmolLM2's)."""
    import smol
    from distillscope.fileio.jsonl import write_jsonl

    by_key = {(r["model"], r["prompt"]): r["response"] for r in answers}
    pairs = [(p, by_key[(voices[i % len(voices)], p)]) for i, p in enumerate(prompts)]
    write_jsonl(path, smol.chat_records(pairs))
    return path


def teacher_answers(work: Path, teacher: Path, prompts: list[str], max_tokens: int) -> Path:
    """The teacher's domain: SmolLM2's own greedy answers, through `generate` and the run store."""
    import asyncio

    from distillscope.distill.generation import GenerateJob, generate_data
    from distillscope.fileio.jsonl import write_jsonl
    from distillscope.store import RunStore

    source, target = work / "prompts-held.jsonl", work / "domain-held.jsonl"
    if target.is_file():
        return target
    write_jsonl(source, [{"id": f"held{i}", "prompt": p} for i, p in enumerate(prompts)])
    job = GenerateJob(
        teacher="smollm2", source={"path": str(source)}, output=target,
        models={"smollm2": {"spec": f"hf:{teacher}", "batch_size": 32, "device": "cpu"}},
        params={"temperature": 0.0, "max_tokens": max_tokens},
        filters={"drop_truncated": False, "drop_refusals": False},
    )  # fmt: skip
    with RunStore(work / "store.sqlite") as store:
        asyncio.run(generate_data(job, store))
    return target


def real_report(rows: dict[str, dict], scores: dict[str, dict], budget: dict, elapsed: float) -> None:
    tokens = budget["steps"] * budget["batch"] * budget["tokens"]
    print("SmolLM2-135M-Instruct (GGUF), pruned two ways, recovered on general text (other real models' answers)")
    print(f"recovery budget for KD and SFT alike: {budget['steps']} steps × {budget['batch']} × {budget['tokens']}")
    print(f"  = at most {tokens:,} tokens; learning rate 2e-4")
    for held in ("general", "domain"):
        print(f"  teacher perplexity on held-out {held} text: {scores[held]['teacher']:.2f}")
    for cut, row in rows.items():
        print(f"\n{cut}: {REAL_CUTS[cut]}, parameters kept {row['ratio']}; pruning took {row['prune_seconds']} s")
        for held in ("general", "domain"):
            ppl, n = row[held]["ppl"], row[held]["documents"]
            print(
                f"  held-out {held:<8} pruned {ppl['pruned']:10.2f}   + KD {ppl['pruned_kd']:8.2f}   + SFT "
                f"{ppl['pruned_sft']:8.2f}   NLL gap SFT − KD {row[held]['kd_vs_sft']} (n={n} documents)"
            )
    print(f"\nelapsed {elapsed:.0f} s")
    line: dict[str, Any] = {
        "real": "SmolLM2-135M-Instruct",
        "ppl_teacher": {h: round(v["teacher"], 4) for h, v in scores.items()},
    }
    for held in ("general", "domain"):
        line[held] = {
            key: {cut: round(row[held]["ppl"][name], 4) for cut, row in rows.items()}
            for key, name in (
                ("ppl_pruned", "pruned"),
                ("ppl_pruned_kd", "pruned_kd"),
                ("ppl_pruned_sft", "pruned_sft"),
            )
        }
        line[held]["kd_over_sft_nll_gap"] = {cut: row[held]["kd_vs_sft"].as_dict() for cut, row in rows.items()}
    line["parameter_ratio"] = {cut: row["ratio"] for cut, row in rows.items()}
    line["prune_seconds"] = {cut: row["prune_seconds"] for cut, row in rows.items()}
    line["recovery_tokens"] = tokens
    line["seconds"] = round(elapsed, 1)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
