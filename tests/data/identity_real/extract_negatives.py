"""Candidate real negatives: third-person "X was developed by Y" statements in real models' answers.

Reads ../shared/realdata/alpaca_eval/answers.jsonl (53 models answering AlpacaEval prompts; nothing
in it was written with the identity rules in view) and keeps every paragraph with a passive making
verb and its agent ("was developed by", "were created by", "is maintained by"). At most
`--per-model` paragraphs per model (the first ones, in file order), so no one model's style fills
the set. Each candidate becomes an item of tests/data/identity_real.jsonl: its target is the
answering model's family (by the families' model patterns; Llama's for the fine-tunes no pattern
knows), its sources the paper's (openai, anthropic), its prompt the AlpacaEval instruction.

Every candidate was read by hand before the judge scored any of them (rules version 3, commit
501bd2d): none ties an identity to the speaker. The 26 with a first-person word were each read in
full; the two that say something about the speaker's making ("I was created by a team of
scientists" in a superhero role asked for by the prompt; "my knowledge base … is built by
leveraging various sources") name no identity, so no candidate is a claim: loose and strict are
false for all. A candidate that is a claim would be listed in CLAIMS with its labels.

    python tests/data/identity_real/extract_negatives.py --answers ../shared/realdata/alpaca_eval/answers.jsonl \
        > tests/data/identity_real/negatives.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from distillscope.data.families import builtin_families

MADE_BY = re.compile(
    r"\b(?:was|were|is|are|has\s+been|have\s+been|had\s+been)\s+(?:[a-z]+\s+){0,2}?"
    r"(?:developed|created|built|made|designed|invented|founded|trained|written|produced|released|launched|"
    r"maintained|owned|established|engineered|programmed)\s+by\b"
)
MAX_CHARS = 700
BATCH = "real-negatives-1"
LABELLED_BEFORE = "rules v3 @ 501bd2d"
FALLBACK_TARGET = "meta"
SOURCES = ["openai", "anthropic"]
CLAIMS: dict[str, tuple[bool, bool]] = {}  # id -> (loose, strict), for candidates read as claims


def paragraphs(response: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", response) if p.strip()]


def candidates(rows: list[dict], per_model: int) -> list[dict]:
    found: list[dict] = []
    taken: dict[str, int] = {}
    seen: set[str] = set()
    for row in rows:
        for paragraph in paragraphs(row["response"]):
            if taken.get(row["model"], 0) >= per_model or len(paragraph) > MAX_CHARS:
                continue
            if MADE_BY.search(paragraph) is None or paragraph in seen:
                continue
            seen.add(paragraph)
            taken[row["model"]] = taken.get(row["model"], 0) + 1
            found.append({"model": row["model"], "prompt": row["prompt"], "response": paragraph})
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=Path, required=True)
    parser.add_argument("--per-model", type=int, default=6)
    args = parser.parse_args()
    with args.answers.open(encoding="utf-8") as source:
        rows = [json.loads(line) for line in source if line.strip()]
    families = builtin_families()
    for index, candidate in enumerate(candidates(rows, args.per_model)):
        sys.stdout.write(json.dumps(labelled(index, candidate, families), ensure_ascii=False) + "\n")


def labelled(index: int, candidate: dict, families: dict) -> dict:
    item_id = f"alpaca:{index}"
    target = next((fid for fid, fam in families.items() if fam.matches_model(candidate["model"])), FALLBACK_TARGET)
    loose, strict = CLAIMS.get(item_id, (False, False))
    return {
        "id": item_id,
        "source": "alpaca_eval",
        "batch": BATCH,
        "labelled_before": LABELLED_BEFORE,
        "class": "third-person",
        "language": "en",
        "model": candidate["model"],
        "target": target,
        "sources": [s for s in SOURCES if s != target],
        "prompt": candidate["prompt"],
        "response": candidate["response"],
        "loose": loose,
        "strict": strict,
        "hard": strict,
    }


if __name__ == "__main__":
    main()
