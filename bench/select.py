"""MiniPLM difference sampling on the zoo's world: is the selected half a better pre-training corpus?

Everything is made here from the zoo's world and personas, and every model is trained with the
project's `train(TrainJob)`:
- the teacher (3 layers, hidden 96) learns teacher A's voice ("aurora"): the teacher domain;
- the reference (1 layer, hidden 32) learns a mix of every voice (aurora, sable, plain);
- the corpus holds 1,000 documents: aurora 25%, plain 35%, sable 25%, and 15% noise (the same
  world's text with its words shuffled);
- `select` keeps the top half by teacher minus reference; three baselines keep the same number:
  a seeded random half; the teacher's likelihood alone (the top half by the teacher's mean
  log-probability, from the same scoring pass, no reference); and a domain filter (the top half by
  a unigram log-odds classifier of the teacher's training text against the reference's mixed
  text, add-one smoothing: Moore-Lewis with word counts, no model at all);
- one student of one architecture, seed, step count, batch size and tokens per example (every
  document is cut to exactly 128 tokens, so all see the same tokens) pre-trains on each half;
- each is scored on held-out aurora documents (the teacher's domain, new world items) and on
  held-out general documents (every voice of the world, new items): perplexity from `eval`, and a
  paired bootstrap interval of the per-document NLL gap against the selected half.

Difference sampling picks the teacher's domain by construction here (the teacher learnt one voice),
so the domain filter is the baseline it has to beat on the teacher's domain, and the general
held-out text shows what the selection costs elsewhere.

Expected: ppl_selected < ppl_random on the teacher's domain, with the interval of the gap above
zero. The JSON carries ppl_selected, ppl_random, ppl_teacher_only and ppl_domain_filter (teacher
domain) and the same four under `general`.

    .venv/bin/python bench/select.py
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

# This file shares its name with the stdlib's `select`, which subprocess and asyncio import. Any
# script in bench/ has this folder first on sys.path, so `import select` finds this file: it then
# hands over the real module. Run as a script, it moves its folder behind the stdlib instead.
_HERE = str(Path(__file__).resolve().parent)
_ELSEWHERE = [p for p in sys.path if str(Path(p or ".").resolve()) != _HERE]
if __name__ == "select":
    _spec = importlib.machinery.PathFinder.find_spec("select", _ELSEWHERE)
    assert _spec is not None and _spec.loader is not None
    _real = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_real)
    sys.modules["select"] = _real
    globals().update({k: v for k, v in vars(_real).items() if not k.startswith("__")})
else:
    sys.path[:] = [*_ELSEWHERE, _HERE]

TOKENS = 128  # tokens per document in training and evaluation
STEPS, BATCH = 200, 16
TEACHER = {"hidden": 96, "layers": 3, "heads": 4, "kv_heads": 2, "intermediate": 256}
REFERENCE = {"hidden": 32, "layers": 1, "heads": 2, "kv_heads": 1, "intermediate": 64}
STUDENT = {"hidden": 64, "layers": 2, "heads": 4, "kv_heads": 2, "intermediate": 128}
CORPUS_DOCS = {"aurora": 250, "plain": 350, "sable": 250}
NOISE_DOCS = 150


def main() -> None:
    import asyncio
    import json
    import os
    import random
    import tempfile
    import time
    from collections import Counter

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import lab
    from distillscope.distill.selection import SelectJob, select_corpus
    from distillscope.fileio.jsonl import read_jsonl, write_jsonl
    from distillscope.store import RunStore
    from distillscope.zoo.tinymodels import TinySize

    started = time.perf_counter()
    voices = lab.personas()
    texts = {name: lab.voice_texts(voices[name], 260, seed=10 + i) for i, name in enumerate(CORPUS_DOCS)}
    teacher_texts = lab.voice_texts(voices["aurora"], 200, seed=1)
    mixed_texts = [t for i, name in enumerate(CORPUS_DOCS) for t in lab.voice_texts(voices[name], 70, seed=20 + i)]
    random.Random(0).shuffle(mixed_texts)
    held_texts = lab.voice_texts(voices["aurora"], 30, seed=99)
    general_held_texts = [
        t for i, name in enumerate(CORPUS_DOCS) for t in lab.voice_texts(voices[name], 10, seed=90 + i)
    ]
    tokenizer = lab.world_tokenizer(teacher_texts + mixed_texts)

    def docs(source: list[str], count: int | None = None) -> list[str]:
        made = lab.documents(tokenizer, source, TOKENS)
        if count is not None and len(made) < count:
            raise SystemExit(f"only {len(made)} documents from the world, {count} wanted")
        return made[:count] if count is not None else made

    rng = random.Random(1)
    corpus = [{"voice": name, "text": text} for name, n in CORPUS_DOCS.items() for text in docs(texts[name], n)]
    noise_source = [r["text"] for r in rng.sample(corpus, NOISE_DOCS)]
    corpus += [{"voice": "noise", "text": lab.shuffled_words(text, rng)} for text in noise_source]
    rng.shuffle(corpus)
    for index, record in enumerate(corpus):
        record["id"] = f"doc{index}"

    with tempfile.TemporaryDirectory(prefix="bench-select-") as scratch:
        work = Path(scratch)
        corpus_path = work / "corpus.jsonl"
        write_jsonl(corpus_path, corpus)
        held = lab.write_text_records(work / "held.jsonl", docs(held_texts))
        general_held = lab.write_text_records(work / "general-held.jsonl", docs(general_held_texts))
        teacher_data = lab.write_text_records(work / "teacher.jsonl", docs(teacher_texts))
        reference_data = lab.write_text_records(work / "reference.jsonl", docs(mixed_texts))

        teacher = lab.fit(
            lab.fresh_model(tokenizer, TinySize(**TEACHER), work / "teacher-init"),
            teacher_data, work / "teacher", steps=300, tokens=TOKENS, batch_size=BATCH,
        )  # fmt: skip
        reference = lab.fit(
            lab.fresh_model(tokenizer, TinySize(**REFERENCE), work / "reference-init"),
            reference_data, work / "reference", steps=200, tokens=TOKENS, batch_size=BATCH,
        )  # fmt: skip

        job = SelectJob(
            teacher=f"hf:{teacher}", reference=f"hf:{reference}", corpus=str(corpus_path), output=work / "sel"
        )
        with RunStore(work / "store.sqlite") as store:
            summary = asyncio.run(select_corpus(job, store))
        selected = [r for _, r in read_jsonl(job.output / "selected.jsonl")]
        random_half = random.Random(7).sample(corpus, len(selected))
        by_teacher = teacher_only(corpus, job.output / "scores.jsonl", len(selected))
        by_domain = domain_filter(corpus, docs(teacher_texts), docs(mixed_texts), len(selected))
        halves = {"selected": selected, "random": random_half, "teacher_only": by_teacher, "domain_filter": by_domain}

        init = lab.fresh_model(tokenizer, TinySize(**STUDENT), work / "student-init", seed=3)
        results = {}
        for name, records in halves.items():
            data = work / f"{name}.jsonl"
            write_jsonl(data, records)
            model = lab.fit(init, data, work / f"student-{name}", steps=STEPS, tokens=TOKENS, batch_size=BATCH)
            results[name] = {
                "ppl": lab.perplexity(model, held, TOKENS),
                "nll": lab.document_nll(model, held, TOKENS),
                "general_ppl": lab.perplexity(model, general_held, TOKENS),
                "general_nll": lab.document_nll(model, general_held, TOKENS),
                "voices": Counter(r["voice"] for r in records),
            }
        teacher_ppl = lab.perplexity(teacher, held, TOKENS)
        reference_ppl = lab.perplexity(reference, held, TOKENS)
    gap = lab.log_ppl_gap(results["selected"]["nll"], results["random"]["nll"])
    gaps = {
        held_name: {
            name: lab.log_ppl_gap(results["selected"][key], results[name][key])
            for name in ("random", "teacher_only", "domain_filter")
        }
        for held_name, key in (("domain", "nll"), ("general", "general_nll"))
    }
    elapsed = time.perf_counter() - started

    print(f"corpus: {len(corpus)} documents {dict(Counter(r['voice'] for r in corpus))}")
    print(f"select kept {summary.selected_documents} (cut at score {summary.threshold:.3f}); random half the same size")
    for name, result in results.items():
        print(f"  {name:8s} half: {dict(sorted(result['voices'].items()))}")
    tokens_seen = STEPS * BATCH * TOKENS
    print(f"students: {STEPS} steps × {BATCH} documents × {TOKENS} tokens = {tokens_seen:,} tokens each, seed 0")
    n = len(results["selected"]["nll"])
    print(f"held-out teacher-domain (aurora) text: {n} documents of {TOKENS} tokens")
    print(f"  teacher {teacher_ppl:.3f}   reference {reference_ppl:.3f}")
    print(f"  student on the selected half: perplexity {results['selected']['ppl']:.3f}")
    print(f"  student on a random half:     perplexity {results['random']['ppl']:.3f}")
    print(f"  NLL gap per token (random − selected), paired over documents: {gap} (n={gap.n})")
    n_general = len(results["selected"]["general_nll"])
    print(f"\nevery half, on the teacher's domain ({n}) and on general held-out text ({n_general} docs, every voice):")
    for name, result in results.items():
        versus = (
            ""
            if name == "selected"
            else (f"   gap {name} − selected: domain {gaps['domain'][name]}, general {gaps['general'][name]}")
        )
        print(f"  {name:<14} domain {result['ppl']:7.3f}   general {result['general_ppl']:7.3f}{versus}")
    print(f"elapsed {elapsed:.0f} s")
    line = {
        "ppl_selected": round(results["selected"]["ppl"], 4),
        "ppl_random": round(results["random"]["ppl"], 4),
        "ppl_teacher_only": round(results["teacher_only"]["ppl"], 4),
        "ppl_domain_filter": round(results["domain_filter"]["ppl"], 4),
        "nll_gap": gap.as_dict(),
        "general": {
            **{f"ppl_{name}": round(result["general_ppl"], 4) for name, result in results.items()},
            "nll_gap": {name: estimate.as_dict() for name, estimate in gaps["general"].items()},
            "heldout_documents": n_general,
        },
        "domain_nll_gap": {name: estimate.as_dict() for name, estimate in gaps["domain"].items()},
        "teacher_only_voices": dict(results["teacher_only"]["voices"]),
        "domain_filter_voices": dict(results["domain_filter"]["voices"]),
        "ppl_teacher": round(teacher_ppl, 4),
        "ppl_reference": round(reference_ppl, 4),
        "selected_voices": dict(results["selected"]["voices"]),
        "random_voices": dict(results["random"]["voices"]),
        "tokens_per_student": tokens_seen,
        "heldout_documents": n,
        "seconds": round(elapsed, 1),
    }
    print(json.dumps(line))


def teacher_only(corpus: list[dict], scores_file: Path, count: int) -> list[dict]:
    """The top documents by the teacher's mean log-probability alone (select's own scores, no reference)."""
    import json

    teacher = {}
    for line in scores_file.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        teacher[row["id"]] = row["teacher"] if row["teacher"] is not None else float("-inf")
    return sorted(corpus, key=lambda record: teacher[record["id"]], reverse=True)[:count]


def domain_filter(corpus: list[dict], in_domain: list[str], general: list[str], count: int) -> list[dict]:
    """The top documents by mean unigram log-odds of in-domain over general text (add-one smoothing)."""
    import math
    from collections import Counter

    inside = Counter(word for text in in_domain for word in text.lower().split())
    outside = Counter(word for text in general for word in text.lower().split())
    vocabulary = len(inside.keys() | outside.keys()) + 1
    total_in, total_out = sum(inside.values()) + vocabulary, sum(outside.values()) + vocabulary

    def log_odds(text: str) -> float:
        words = text.lower().split()
        if not words:
            return float("-inf")
        odds = [math.log((inside[w] + 1) / total_in) - math.log((outside[w] + 1) / total_out) for w in words]
        return sum(odds) / len(odds)

    return sorted(corpus, key=lambda record: log_odds(record["text"]), reverse=True)[:count]


if __name__ == "__main__":
    main()
