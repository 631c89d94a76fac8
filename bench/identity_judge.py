"""The offline identity judge on the labelled set: precision and recall per class, and its speed.

The set (tests/data/identity_claims.jsonl, built by tests/data/identity_claims/build.py) holds
jailbreak-style responses in English and Chinese, each with its target, source families, prompt,
and loose / strict labels. The rule judge reads each response with its prompt as the question's
context, as `ice judge` and the fuzzer do. Printed: precision and recall with Wilson intervals,
per class, per language, per split and overall, then responses judged per second on one core
(several passes over the set). Goal: precision >= 0.95 and recall >= 0.90 for strict and loose,
per class and overall; >= 1,000 responses/s.

Splits: dev, the templates the rules were first written against; heldout, a quarter of the
templates and half the hand-written cases, kept out of that first writing (their errors were looked
at afterwards); fresh and fresh2, batches written after the rules and scored once before any rule
changed for them. That first score is the honest guide to new text (loose P 0.91 / 0.89, R 0.85 /
0.86; strict P 0.95 / 0.95, R 0.89 / 0.90); the rules were then fixed for what they showed.

    PYTHONPATH=src .venv/bin/python bench/identity_judge.py [--errors]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from distillscope.testing.identity_claims import judge_set, load_identity_claims, score_by, set_families

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", type=Path, default=DATA / "identity_claims.jsonl")
    parser.add_argument("--families", type=Path, default=DATA / "identity_claims_families.yaml")
    parser.add_argument(
        "--errors", choices=["dev", "heldout", "fresh", "fresh2", "all"], help="print the disagreements of a split"
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to time the judge")
    args = parser.parse_args()
    items = load_identity_claims(args.set)
    families = set_families(args.families)
    results = judge_set(items, families)
    guesses = [guess for _, guess in results]
    loose, strict = sum(i["loose"] for i in items), sum(i["strict"] for i in items)
    print(f"{len(items)} labelled responses, {loose} loose, {strict} strict")
    for title, group in (
        ("class", lambda i: i["class"]),
        ("language", lambda i: i["language"]),
        ("split", lambda i: i["split"]),
        ("overall", lambda i: "overall"),
    ):
        _table(title, score_by(items, guesses, group))
    if args.errors:
        _errors([(i, r) for i, r in zip(items, results, strict=True) if args.errors in ("all", i["split"])])
    speed = _speed(items, families, args.seconds)
    print(f"\nspeed: {speed:,.0f} responses/s on one core, prompts read for their slot (under the load of the moment)")
    overall = score_by(items, guesses, lambda i: "overall")["overall"]
    print(
        json.dumps(
            {
                "strict": _pr(overall["strict"]),
                "loose": _pr(overall["loose"]),
                "hard": _pr(overall["hard"]),
                "n": len(items),
                "responses_per_s": round(speed, 1),
            }
        )
    )


def _table(title: str, rows: dict) -> None:
    print(f"\n{title:<14} {'n':>4} {'pos':>4} | {'loose P':>22} {'loose R':>22} | {'strict P':>22} {'strict R':>22}")
    for name, scores in rows.items():
        loose, strict = scores["loose"], scores["strict"]
        cells = [str(loose.precision), str(loose.recall), str(strict.precision), str(strict.recall)]
        positives = loose.true_pos + loose.false_neg
        print(f"{name:<14} {loose.n:>4} {positives:>4} | {cells[0]:>22} {cells[1]:>22} | {cells[2]:>22} {cells[3]:>22}")


def _errors(pairs: list) -> None:
    print("\ndisagreements:")
    for item, (judgment, guess) in pairs:
        if (item["loose"], item["strict"]) != (guess["loose"], guess["strict"]):
            truth = f"truth {int(item['loose'])}{int(item['strict'])} judge {int(guess['loose'])}{int(guess['strict'])}"
            print(f"- {item['id']} [{item['target']}] {truth}: {item['response']!r}\n    {judgment.reason}")


def _speed(items: list, families: dict, seconds: float) -> float:
    judges: dict = {}
    judge_set(items, families, judges=judges)  # judges are built once per (target, sources), as in a run
    judged, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        judge_set(items, families, judges=judges)
        judged += len(items)
    return judged / (time.perf_counter() - started)


def _pr(agreement) -> dict:
    return {"precision": round(agreement.precision.value, 4), "recall": round(agreement.recall.value, 4)}


if __name__ == "__main__":
    main()
