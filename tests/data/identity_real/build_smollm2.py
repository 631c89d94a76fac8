"""Join SmolLM2's collected answers with their hand labels into tests/data/identity_real/smollm2.jsonl.

smollm2_answers.jsonl holds what collect_smollm2.py wrote (no rule verdicts); smollm2_labels.jsonl
holds one label per answer, written by reading the answer against the paper's definitions (docs/ice.md):
loose, strict, a short note, and the rule version the label was written before. `hard` is computed
as ICE computes it: strict, and the prompt names no source family.

    PYTHONPATH=src python tests/data/identity_real/build_smollm2.py
"""

from __future__ import annotations

import json
from pathlib import Path

from distillscope.data.families import builtin_families
from distillscope.judges.identity.matching import FamilyMatcher

HERE = Path(__file__).resolve().parent


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as source:
        return [json.loads(line) for line in source if line.strip()]


def build_items() -> list[dict]:
    answers = _read(HERE / "smollm2_answers.jsonl")
    labels = {label["id"]: label for label in _read(HERE / "smollm2_labels.jsonl")}
    families = builtin_families()
    items = []
    for answer in answers:
        label = labels[answer["id"]]
        names_source = bool(FamilyMatcher({s: families[s] for s in answer["sources"]}).find(answer["prompt"]))
        items.append(
            {
                "id": answer["id"],
                "source": "smollm2",
                "batch": label["batch"],
                "labelled_before": label["labelled_before"],
                "class": answer["category"],
                "language": answer["language"],
                "target": answer["target"],
                "sources": answer["sources"],
                "question": answer["question"],
                "prompt": answer["prompt"],
                "response": answer["response"],
                "loose": label["loose"],
                "strict": label["strict"],
                "hard": label["strict"] and not names_source,
                "note": label["note"],
            }
        )
    return items


def main() -> None:
    items = build_items()
    with (HERE / "smollm2.jsonl").open("w", encoding="utf-8") as sink:
        for item in items:
            sink.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(items)} items → {HERE / 'smollm2.jsonl'}")


if __name__ == "__main__":
    main()
