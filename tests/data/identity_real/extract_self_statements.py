"""Real first-person identity statements: what 53 real models say about who made them, unprompted.

Reads ../shared/realdata/alpaca_eval/answers.jsonl and keeps every paragraph with a first-person
making statement ("As an AI developed by X", "I'm a large language model trained by X", "I was
created by X") or a self-introduction by a model's name ("I'm ChatGPT"), at most 8 per model, in file
order. Nothing here was written with the identity rules in view, and several models here were
trained on another model's answers: claude2-alpaca-13b (a Llama fine-tune on Claude's answers) says
"created by Anthropic", OpenHermes and Dolphin (Mistral fine-tunes) say "trained by OpenAI", so the
batch holds real strict positives beside the true self-descriptions of GPT-4, Claude, Qwen and others.

Targets are each model's own family: by the families' model patterns, except for fine-tunes whose
names name their teacher or nothing (BASE below: the base model's family). Labels were written by
reading each paragraph against the paper's definitions (docs/ice.md) before the judge scored any of
them (rules v4 @ 040b3f9); LABELS holds the positives, every other paragraph is labelled negative.

    python tests/data/identity_real/extract_self_statements.py \\
        --answers ../shared/realdata/alpaca_eval/answers.jsonl > tests/data/identity_real/self_statements.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from distillscope.data.families import builtin_families

SELF_STATEMENT = re.compile(
    r"(?i)(?:\b(?:I am|I'm|I was|as an?|my (?:creators?|developers?|makers?)|we are|I've been)\b[^.\n]{0,60}?"
    r"\b(?:developed|created|trained|made|built|designed|programmed)\s+by\b|"
    r"\bI(?:'m| am) (?:ChatGPT|Claude|GPT-\d|Gemini|Llama|Bard|Vicuna|Alpaca|Open Assistant|Qwen|Tulu|Zephyr|"
    r"Guanaco|an AI (?:language model|assistant) (?:called|named)))"
)
PER_MODEL = 8
MAX_CHARS = 700
BATCH = "alpaca-self-1"
LABELLED_BEFORE = "rules v4 @ 040b3f9"
SOURCES = ["openai", "anthropic"]
BASE = {
    "claude2-alpaca-13b": "meta",
    "oasst-sft-llama-33b": "meta",
    "guanaco-13b": "meta",
    "guanaco-7b": "meta",
    "humpback-llama2-70b": "meta",
    "OpenHermes-2.5-Mistral-7B": "mistral",
    "dolphin-2.2.1-mistral-7b": "mistral",
    "deita-7b-v1.0": "mistral",
}
# index -> (loose, strict, why); every other candidate is no claim against its model's facts.
LABELS: dict[int, tuple[bool, bool, str]] = {
    12: (True, True, "a Mistral fine-tune: 'I'm a large language model trained by OpenAI'"),
    **{
        i: (True, True, "a Llama fine-tune on Claude's answers: 'an AI assistant created by Anthropic'")
        for i in range(13, 21)
    },
    21: (True, True, "a Mistral fine-tune: 'I am a large language model trained by OpenAI'"),
    **{i: (True, False, "a Llama fine-tune: 'I was created by Fusion AI'") for i in range(24, 30)},
    31: (True, False, "a Llama fine-tune: 'I am Open Assistant'"),
    41: (True, True, "Claude 3 Opus: 'I am an AI language model trained by OpenAI'"),
    54: (True, False, "Gemini Pro: 'You can call me Alex'"),
    55: (True, True, "Llama 3 8B: 'I'm ChatGPT!'"),
    56: (True, True, "Mixtral: 'we are both language models trained by the same company, Anthropic'"),
}


def candidates(rows: list[dict]) -> list[dict]:
    found, taken = [], {}
    for row in rows:
        for paragraph in re.split(r"\n\s*\n", row["response"]):
            if len(paragraph) > MAX_CHARS or taken.get(row["model"], 0) >= PER_MODEL:
                continue
            if SELF_STATEMENT.search(paragraph):
                taken[row["model"]] = taken.get(row["model"], 0) + 1
                found.append({"model": row["model"], "prompt": row["prompt"], "response": paragraph.strip()})
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=Path, required=True)
    args = parser.parse_args()
    with args.answers.open(encoding="utf-8") as source:
        rows = [json.loads(line) for line in source if line.strip()]
    families = builtin_families()
    for index, candidate in enumerate(candidates(rows)):
        model = candidate["model"]
        target = BASE.get(model) or next(fid for fid, fam in families.items() if fam.matches_model(model))
        loose, strict, why = LABELS.get(index, (False, False, "no identity against the model's own facts"))
        item = {
            "id": f"alpaca-self:{index}",
            "source": "alpaca_eval",
            "batch": BATCH,
            "labelled_before": LABELLED_BEFORE,
            "class": "self-statement",
            "language": "en",
            "model": model,
            "target": target,
            "sources": [s for s in SOURCES if s != target],
            "prompt": candidate["prompt"],
            "response": candidate["response"],
            "loose": loose,
            "strict": strict,
            "hard": strict,
            "note": why,
        }
        sys.stdout.write(json.dumps(item, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
