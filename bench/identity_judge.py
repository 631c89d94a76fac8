"""The offline identity judge on its labelled sets: the synthetic set, and real text kept apart from the rules.

Sources (each item says its `source` and `batch`):
- synthetic: tests/data/identity_claims.jsonl (built by tests/data/identity_claims/build.py), jailbreak-style
  answers in English and Chinese written by the rules' authors. Splits: dev, heldout, and fresh / fresh2, two
  batches written after the rules and scored once before any rule changed for them (loose P 0.91 / 0.89,
  R 0.85 / 0.86; strict P 0.95 / 0.95, R 0.89 / 0.90). Its policy items were relabelled in rules v4 to the
  paper's definitions (a named policy is no claim), so it is no longer comparable with those first looks.
- alpaca_eval: tests/data/identity_real/negatives.jsonl, 302 third-person "X was developed by Y" paragraphs
  from 53 real models' AlpacaEval answers (extract_negatives.py); none is a claim.
- alpaca_eval: tests/data/identity_real/self_statements.jsonl, 62 first-person self-statements of the same
  models ("As an AI developed by OpenAI", "I'm an AI assistant created by Anthropic" from a Llama fine-tune
  on Claude's answers; extract_self_statements.py): 13 strict, 8 loose-only, 41 their own identity.
- smollm2: tests/data/identity_real/smollm2.jsonl, SmolLM2-135M-Instruct's real answers to ICE's fuzzed
  jailbreak prompts (served by llama-cpp-python), labelled by hand from the paper's definitions: 340 in two
  batches, 60 loose (invented names, makers, partners and places in persona voices), none strict.

Every real batch was scored once, with the judge as it stood, before any rule was changed for it; that
first look is recorded in tests/data/identity_real/first_look.json (`--record-first-look BATCH` writes
it, once) and printed here: it is the honest figure for text the rules were not written for. The
figures after it show the rules as they are now.

Printed: precision and recall with Wilson intervals per source, per batch and overall; the rule
judge's bias per class on the real sources (its positive rate minus the label rate: what an ICE rate
computed with it is off by), with a conservative 95% interval; the judge's speed. JSON last line:
real.{strict,loose}.{precision,recall} (real sources together), first_look per batch, synthetic
figures, n. Goals on real text: precision >= 0.9 strict, >= 0.85 loose; recall >= 0.85 strict,
>= 0.75 loose.

    PYTHONPATH=src .venv/bin/python bench/identity_judge.py [--errors SOURCE] [--record-first-look BATCH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

import doubles_on_path  # noqa: F401 - puts tests/ (the doubles) on the path
from distillscope.judges.identity.rules import RULES_VERSION
from distillscope.stats import wilson_rate
from doubles.identity_claims import judge_set, load_identity_claims, score_by, set_families

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
REAL = DATA / "identity_real"
FIRST_LOOK = REAL / "first_look.json"
SYNTHETIC = "synthetic"
REAL_SETS = ("negatives.jsonl", "self_statements.jsonl", "smollm2.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", type=Path, default=DATA / "identity_claims.jsonl")
    parser.add_argument("--real", type=Path, default=REAL, help=f"folder of the real sets ({', '.join(REAL_SETS)})")
    parser.add_argument("--errors", help="print the disagreements of a source (synthetic, alpaca_eval, smollm2, all)")
    parser.add_argument("--record-first-look", metavar="BATCH", help="score a new batch once and record it")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to time the judge")
    args = parser.parse_args()
    families = set_families(DATA / "identity_claims_families.yaml", DATA / "smollm2_family.yaml")
    synthetic = [{**i, "source": SYNTHETIC, "batch": i["split"]} for i in load_identity_claims(args.set)]
    real = [
        item for name in REAL_SETS if (args.real / name).exists() for item in load_identity_claims(args.real / name)
    ]
    if args.record_first_look:
        _record_first_look(args.record_first_look, real, families)
        return
    items = synthetic + real
    results = judge_set(items, families)
    guesses = [guess for _, guess in results]
    print(f"{len(items)} labelled responses: {len(synthetic)} synthetic, {len(real)} real")
    _table("source", score_by(items, guesses, lambda i: i["source"]))
    _table("batch", score_by(items, guesses, lambda i: f"{i['source']}:{i['batch']}"))
    real_guesses = guesses[len(synthetic) :]
    real_scores = score_by(real, real_guesses, lambda i: "real")["real"] if real else None
    synthetic_scores = score_by(synthetic, guesses[: len(synthetic)], lambda i: "synthetic")["synthetic"]
    if real_scores:
        _table("real overall", {"real": real_scores})
    looks = json.loads(FIRST_LOOK.read_text()) if FIRST_LOOK.exists() else {}
    _print_first_looks(looks)
    if real:
        _print_bias(real, real_guesses)
    if args.errors:
        _errors([(i, r) for i, r in zip(items, results, strict=True) if args.errors in ("all", i["source"])])
    speed = _speed(synthetic, families, args.seconds)
    print(f"\nspeed: {speed:,.0f} responses/s on one core, prompts read for their slot (under the load of the moment)")
    figures = {
        "real": {label: _pr(real_scores[label]) for label in ("strict", "loose")} if real_scores else None,
        "first_look": {batch: look["figures"] for batch, look in looks.items()},
        "synthetic": {label: _pr(synthetic_scores[label]) for label in ("strict", "loose", "hard")},
        "n": {"synthetic": len(synthetic), "real": len(real)},
        "rules_version": RULES_VERSION,
        "responses_per_s": round(speed, 1),
    }
    print(json.dumps(figures))


def _figures(items: list, guesses: list) -> dict:
    scores = score_by(items, guesses, lambda i: "all")["all"]
    figures = {}
    for label in ("strict", "loose"):
        agreement = scores[label]
        figures[label] = {
            "precision": _value(agreement.precision),
            "recall": _value(agreement.recall),
            "true_pos": agreement.true_pos,
            "false_pos": agreement.false_pos,
            "false_neg": agreement.false_neg,
        }
    figures["n"] = len(items)
    return figures


def _record_first_look(batch: str, real: list, families: dict) -> None:
    """Score a batch once with the judge as it stands and keep the figures; never overwrite them."""
    looks = json.loads(FIRST_LOOK.read_text()) if FIRST_LOOK.exists() else {}
    if batch in looks:
        raise SystemExit(f"{batch}: first look already recorded ({looks[batch]['judge']}); it is not taken twice")
    items = [i for i in real if i["batch"] == batch]
    if not items:
        raise SystemExit(f"{batch}: no such batch in {REAL}")
    guesses = [guess for _, guess in judge_set(items, families)]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    looks[batch] = {"judge": f"rules v{RULES_VERSION} @ {commit}", "figures": _figures(items, guesses)}
    FIRST_LOOK.write_text(json.dumps(looks, indent=1) + "\n")
    print(json.dumps({batch: looks[batch]}))


def _print_first_looks(looks: dict) -> None:
    print("\nfirst look at each real batch (scored once, before any rule changed for it):")
    for batch, look in looks.items():
        parts = []
        for label in ("strict", "loose"):
            f = look["figures"][label]
            parts.append(
                f"{label} P {_fmt(f['precision'])} R {_fmt(f['recall'])} "
                f"(tp {f['true_pos']}, fp {f['false_pos']}, fn {f['false_neg']})"
            )
        print(f"  {batch:<22} n {look['figures']['n']:>4}  {'; '.join(parts)}  [{look['judge']}]")


def _print_bias(items: list, guesses: list) -> None:
    """Rule rate minus label rate per class; the interval joins the Wilson bounds of the FP and FN rates."""
    print("\nrule judge's bias on real text (its rate - the label rate), per source and class:")
    print(f"  {'source:class':<34} {'n':>4} | {'loose bias':>26} | {'strict bias':>26}")
    groups: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault(f"{item['source']}:{item['class']}", []).append(index)
    for name, indices in sorted(groups.items()):
        cells = []
        for label in ("loose", "strict"):
            false_pos = sum(guesses[i][label] and not items[i][label] for i in indices)
            false_neg = sum(items[i][label] and not guesses[i][label] for i in indices)
            cells.append(_bias(false_pos, false_neg, len(indices)))
        print(f"  {name:<34} {len(indices):>4} | {cells[0]:>26} | {cells[1]:>26}")


def _bias(false_pos: int, false_neg: int, n: int) -> str:
    over, under = wilson_rate(false_pos, n), wilson_rate(false_neg, n)
    value = (false_pos - false_neg) / n
    return f"{value:+.3f} [{over.low - under.high:+.3f}, {over.high - under.low:+.3f}]"


def _table(title: str, rows: dict) -> None:
    print(f"\n{title:<24} {'n':>4} {'pos':>4} | {'loose P':>22} {'loose R':>22} | {'strict P':>22} {'strict R':>22}")
    for name, scores in rows.items():
        loose, strict = scores["loose"], scores["strict"]
        cells = [str(loose.precision), str(loose.recall), str(strict.precision), str(strict.recall)]
        positives = loose.true_pos + loose.false_neg
        print(f"{name:<24} {loose.n:>4} {positives:>4} | {cells[0]:>22} {cells[1]:>22} | {cells[2]:>22} {cells[3]:>22}")


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


def _value(estimate) -> float | None:
    return None if estimate.n == 0 else round(estimate.value, 4)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pr(agreement) -> dict:
    return {"precision": _value(agreement.precision), "recall": _value(agreement.recall)}


if __name__ == "__main__":
    main()
