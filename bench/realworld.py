"""Do the verdicts hold on real models? Audits of published answers of real chat models of documented making.

The zoo's students repeat their teacher's templates; real students do not. This bench runs the
product's own audits (`replay:` models, offline methods: RSE with the lexical, embedding and style
judges, proximity, the idiosyncrasy classifier and the style markers) on a set of recorded answers
with a provenance label per model (`../shared/realdata/alpaca_eval/` by default, or any set in its
two-file format), against a reference (gpt-3.5-turbo-0301 by default):

- panels are drawn from the `none` models (trained without the reference family's text), at sizes
  4, 8 and 16. The `none` models are split into folds; each fold's models are targets against a
  panel drawn from the other folds, so every `none` model is a target once against a panel that
  does not hold it, and every other model is a target in every fold;
- the verdict is read per target (`decide` on the audit's evidence, one target at a time: the
  question "was this model distilled from the reference?"), and beside it with Holm's correction
  over the audit's targets, as one audit of many targets would answer;
- figures: model-level AUC (`chatgpt` against `none`, by the combined p-value and by each signal's),
  the verdict's TPR on `chatgpt` models and FPR on `none` models at α = 0.05, the per-response AUC
  of each black-box signal (its best is `auc_response`), attribution among candidate teachers
  (gpt-3.5-turbo, GPT-4, text-davinci-003, Claude) for the `chatgpt`, `gpt4`, `davinci` and `claude`
  models against panels without Claude models, and a power curve (TPR by prompts, panel of 8);
- figures are given with and without the labels of `low` confidence (the goals read the latter).

Every model call and embedding goes through one run store, and each audit's evidence is kept by a
hash of its job, so a rerun only recomputes statistics. `--split heldout` audits only the prompts
whose hash is odd: the half left out while the methods were developed on the other (`dev`).

    .venv/bin/python bench/realworld.py [--prompts 400] [--panel-sizes 4,8,16] [--power 25,50,100,200,400]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import kstest
from sklearn.metrics import roc_auc_score

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from distillscope.audit.evidence import Evidence
from distillscope.audit.job import AuditJob, AuditModel
from distillscope.audit.method import Hooks, verdict_signals, voting_methods
from distillscope.audit.resolve import ATTRIBUTION_METHODS
from distillscope.audit.responses import preload_texts
from distillscope.audit.rse.job import RSESettings
from distillscope.audit.runner import run_audit
from distillscope.audit.verdict.settings import VerdictSettings
from distillscope.audit.verdict.signals import against_panel
from distillscope.audit.verdict.verdicts import TargetVerdict, decide
from distillscope.data.sources import PromptSource
from distillscope.store import RunStore

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "realdata" / "alpaca_eval"
ROOT = Path(os.environ.get("DISTILLSCOPE_REALWORLD", ".distillscope/realworld"))
METHODS = ["rse", "proximity", "classifier", "markers"]
ATTRIBUTION = ["proximity", "teachers"]  # what attribution reads; the verdict's methods are audited above
JUDGES = ["lexical", "embedding", "style"]
ALPHA = 0.05
# Candidate teachers for attribution, by label: the reference family's model, and one model of each other
# teacher family the set's labels name (the earliest snapshot, nearest the data those students were made from).
CANDIDATES = {"chatgpt": None, "gpt4": "gpt4_0314", "davinci": "text_davinci_003", "claude": "claude-2.1"}
CLAUDE_FAMILY = "claude"


@dataclass(frozen=True)
class RealModel:
    name: str
    label: str
    confidence: str


@dataclass
class Verdicts:
    """Per-target verdicts of one plan, read one target at a time and with Holm over the audit."""

    single: dict[str, list[TargetVerdict]] = field(default_factory=dict)  # model → one per audit
    holm: dict[str, list[TargetVerdict]] = field(default_factory=dict)
    signals: dict[str, list[dict[str, float]]] = field(default_factory=dict)  # model → every signal's p, voting or not
    evidence: list[list[Evidence]] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ the data
def read_models(path: Path) -> list[RealModel]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [RealModel(r["model"], r["label"], r.get("confidence", "high")) for r in rows]


def shared_prompts(answers: Path, models: Sequence[RealModel]) -> dict[str, str]:
    """Prompt → its dataset, for the prompts every listed model answered."""
    wanted = {m.name for m in models}
    seen: dict[str, set[str]] = {}
    dataset: dict[str, str] = {}
    for line in answers.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["model"] in wanted and isinstance(record.get("prompt"), str):
            seen.setdefault(record["prompt"], set()).add(record["model"])
            dataset[record["prompt"]] = record.get("dataset") or "prompts"
    return {p: dataset[p] for p, who in seen.items() if who == wanted}


def recorded_texts(answers: Path, models: set[str], prompts: set[str]) -> list[str]:
    """Every answer the audits will read, so that each is tokenised once for all of them."""
    texts = []
    for line in answers.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["model"] in models and record.get("prompt") in prompts:
            texts.append(record["response"])
    return texts


def digest(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)


def prompt_sample(prompts: dict[str, str], count: int, split: str, seed: int) -> list[str]:
    """A seeded sample, in an order whose prefixes are the smaller samples (the power curve's)."""
    kept = sorted(p for p in prompts if split == "all" or (digest(p) % 2 == 0) == (split == "dev"))
    random.Random(f"prompts:{seed}").shuffle(kept)
    return kept[:count]


def write_prompts(folder: Path, prompts: Sequence[str], datasets: dict[str, str]) -> Path:
    path = folder / f"prompts-{len(prompts)}-{digest(''.join(prompts)) % 10**8}.jsonl"
    if not path.exists():
        lines = [json.dumps({"id": f"p{digest(p) % 10**12}", "prompt": p, "category": datasets[p]}) for p in prompts]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def folds_of(names: Sequence[str], panel: int, seed: int) -> list[tuple[list[str], list[str]]]:
    """(targets, panel) per fold: the fewest folds that leave `panel` models outside each fold."""
    order = sorted(names)
    random.Random(f"folds:{seed}:{panel}").shuffle(order)
    count = next(f for f in range(2, len(order) + 1) if len(order) - math.ceil(len(order) / f) >= panel)
    folds = [order[i::count] for i in range(count)]
    out = []
    for index, held in enumerate(folds):
        rest = [n for n in order if n not in held]
        out.append((held, sorted(random.Random(f"panel:{seed}:{panel}:{index}").sample(rest, panel))))
    return out


# ------------------------------------------------------------------------------------------ audits
def audit_job(
    answers: Path,
    prompts: Path,
    reference: str,
    targets: Sequence[str],
    panel: Sequence[str],
    candidates: Sequence[str],
    methods: Sequence[str] = METHODS,
) -> AuditJob:
    spec = f"replay:{answers}"
    return AuditJob(
        reference=AuditModel(model=f"{spec}#{reference}", label=reference, facts="openai"),
        targets=[AuditModel(model=f"{spec}#{t}", label=t) for t in targets],
        panel=[AuditModel(model=f"{spec}#{p}", label=p) for p in panel],
        candidates=[AuditModel(model=f"{spec}#{c}", label=c, facts="openai") for c in candidates],
        sources=["openai"],
        methods=list(methods),
        rse=RSESettings(prompts=[PromptSource(path=str(prompts))], judges=JUDGES, ceiling=False),
    )


def run_cached(job: AuditJob, store: RunStore, folder: Path, say: str) -> list[Evidence]:
    """The audit's evidence: from its cache file, or from a run of the audit (whose calls the store keeps)."""
    key = hashlib.sha256(job.model_dump_json().encode("utf-8")).hexdigest()[:16]
    cached = folder / "audits" / f"{key}.json"
    if cached.exists():
        return [Evidence.model_validate(e) for e in json.loads(cached.read_text(encoding="utf-8"))]
    clock = time.perf_counter()
    print(f"audit: {say}", flush=True)
    results = asyncio.run(run_audit(job, store, Hooks(on_stage=lambda name: print(f"  · {name}", flush=True))))
    print(f"  done in {time.perf_counter() - clock:.0f} s", flush=True)
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps([e.model_dump(mode="json") for e in results.evidence]), encoding="utf-8")
    return results.evidence


def verdicts_of(
    evidence: list[Evidence], job: AuditJob, settings: VerdictSettings, into: Verdicts, name_of: dict[str, str]
) -> None:
    methods = voting_methods(job.selected_methods(), None)
    attribution = [m for m in ATTRIBUTION_METHODS if m in job.selected_methods()] if job.candidates else None
    references = [(job.reference.model, job.reference.display)] + [(c.model, c.display) for c in job.candidates]
    targets = [(t.model, t.display) for t in job.targets]
    panel = [p.display for p in job.panel]
    together = decide(
        evidence,
        methods,
        targets,
        references,
        panel,
        settings,
        attribution_methods=attribution,
        counted=verdict_signals,
    )
    for verdict in together.targets:
        into.holm.setdefault(name_of[verdict.model], []).append(verdict)
    for target in targets:
        alone = decide(
            evidence,
            methods,
            [target],
            references,
            panel,
            settings,
            attribution_methods=attribution,
            counted=verdict_signals,
        )
        into.single.setdefault(name_of[target[0]], []).append(alone.targets[0])
        _, _, tests = against_panel(
            evidence, job.selected_methods(), target[0], references[0][0], settings.seed, counted=verdict_signals
        )
        into.signals.setdefault(name_of[target[0]], []).append({f"{t.method}:{t.signal}": t.p_value for t in tests})
    into.evidence.append(evidence)


# ------------------------------------------------------------------------------------------ figures
def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    if not positive or not negative:
        return math.nan
    return float(roc_auc_score([1] * len(positive) + [0] * len(negative), [*positive, *negative]))


def strength(p: float | None) -> float:
    return -math.log10(max(p, 1e-300)) if p is not None else 0.0


def model_strengths(found: Verdicts, signal: str | None) -> dict[str, float]:
    """Each model's mean −log10 p over its verdicts, combined or of one signal ("method:signal")."""
    if signal is None:
        return {name: float(np.mean([strength(v.p_value) for v in vs])) for name, vs in found.single.items()}
    return {name: float(np.mean([strength(s.get(signal)) for s in ss])) for name, ss in found.signals.items()}


def rates(found: dict[str, list[TargetVerdict]], names: Sequence[str]) -> tuple[float, int]:
    calls = [v.verdict == "distilled" for n in names for v in found.get(n, [])]
    return (float(np.mean(calls)) if calls else math.nan), len(calls)


def response_aucs(evidence: Sequence[list[Evidence]], label: dict[str, str], keep) -> dict[str, float]:
    """Per black-box signal: AUC of single responses of `chatgpt` models against those of `none` models."""
    by_signal: dict[str, list[float]] = {}
    for audit in evidence:
        scores: dict[str, tuple[list[float], list[float]]] = {}
        for e in audit:
            name = e.model.rsplit("#", 1)[-1]
            if e.role != "target" or not keep(name) or label.get(name) not in ("chatgpt", "none"):
                continue
            for values in e.items:
                measure = e.measure(values.signal)
                sign = -1.0 if measure is not None and measure.closer == "lower" else 1.0
                side = scores.setdefault(f"{e.method}:{values.signal}", ([], []))
                side[0 if label[name] == "chatgpt" else 1].extend(sign * v for v in values.values)
        for signal, (pos, neg) in scores.items():
            by_signal.setdefault(signal, []).append(auc(pos, neg))
    return {s: float(np.nanmean(v)) for s, v in by_signal.items()}


def uniformity(found: dict[str, list[TargetVerdict]], names: Sequence[str]) -> float:
    """One-sided KS p-value of the combined p-values of models known not to be distilled: small when there
    are more small p-values than a uniform law gives (an anti-conservative test); a conservative test passes."""
    values = [v.p_value for n in names for v in found.get(n, []) if v.p_value is not None]
    if not values:
        return math.nan
    return float(kstest(values, "uniform", alternative="greater").pvalue)


def attribution_accuracy(found: dict[str, list[TargetVerdict]], expected: dict[str, str]) -> tuple[float, int]:
    hits = [v.closest == expected[n] for n in expected for v in found.get(n, [])]
    return (float(np.mean(hits)) if hits else math.nan), len(hits)


# ------------------------------------------------------------------------------------------ main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=Path, default=SHARED / "answers.jsonl")
    parser.add_argument("--models", type=Path, default=SHARED / "models.jsonl")
    parser.add_argument("--reference", default="gpt-3.5-turbo-0301")
    parser.add_argument("--prompts", type=int, default=400, help="prompts per audit (the power curve's largest)")
    parser.add_argument("--panel-sizes", default="4,8,16")
    parser.add_argument("--power", default="25,50,100,200,400", help="prompt counts of the power curve (panel of 8)")
    parser.add_argument("--split", choices=["all", "dev", "heldout"], default="all")
    parser.add_argument("--no-attribution", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    clock = time.perf_counter()
    models = read_models(args.models)
    label = {m.name: m.label for m in models}
    low = {m.name for m in models if m.confidence == "low"}
    references = {m.name for m in models if m.label == "reference"}
    if args.reference not in references:
        raise SystemExit(f"--reference {args.reference!r} is not a `reference` model of {args.models}")
    datasets = shared_prompts(args.answers, models)
    sizes = [int(s) for s in args.panel_sizes.split(",")]
    power_counts = [int(c) for c in args.power.split(",")] if args.power else []
    sample = prompt_sample(datasets, max([args.prompts, *power_counts]), args.split, args.seed)
    folder = ROOT / hashlib.sha256(str(args.answers.resolve()).encode()).hexdigest()[:10]
    folder.mkdir(parents=True, exist_ok=True)
    none = [m.name for m in models if m.label == "none"]
    distilled = [m.name for m in models if m.label not in ("none", "reference")]
    name_of = {f"replay:{args.answers}#{m.name}": m.name for m in models}
    settings = VerdictSettings(alpha=ALPHA)
    main_runs: dict[int, Verdicts] = {}
    power: dict[int, Verdicts] = {}
    attribution: dict[int, Verdicts] = {}
    preload_texts(recorded_texts(args.answers, {m.name for m in models}, set(sample)))
    with RunStore(folder / "store.sqlite") as store:
        full = write_prompts(folder, sample[: args.prompts], datasets)
        for size in sizes:
            main_runs[size] = Verdicts()
            for index, (held, panel) in enumerate(folds_of(none, size, args.seed)):
                job = audit_job(args.answers, full, args.reference, [*held, *distilled], panel, [])
                evidence = run_cached(job, store, folder, f"panel {size}, fold {index + 1}, {len(job.targets)} targets")
                verdicts_of(evidence, job, settings, main_runs[size], name_of)
        for count in power_counts:
            if count == args.prompts and 8 in main_runs:
                power[count] = main_runs[8]
                continue
            power[count] = Verdicts()
            prompts = write_prompts(folder, sample[:count], datasets)
            chatgpt = [m.name for m in models if m.label == "chatgpt"]
            for index, (held, panel) in enumerate(folds_of(none, 8, args.seed)):
                job = audit_job(args.answers, prompts, args.reference, [*held, *chatgpt], panel, [])
                evidence = run_cached(job, store, folder, f"power: {count} prompts, fold {index + 1}")
                verdicts_of(evidence, job, settings, power[count], name_of)
        if not args.no_attribution:
            candidates = [c for c in CANDIDATES.values() if c is not None and c in label]
            students = [m.name for m in models if m.label in CANDIDATES]
            pool = [n for n in none if CLAUDE_FAMILY not in n.lower()]
            for size in sizes:
                if size > len(pool):
                    continue
                panel = sorted(random.Random(f"attribution:{args.seed}:{size}").sample(pool, size))
                job = audit_job(args.answers, full, args.reference, students, panel, candidates, ATTRIBUTION)
                evidence = run_cached(job, store, folder, f"attribution, panel {size}")
                attribution[size] = Verdicts()
                verdicts_of(evidence, job, settings, attribution[size], name_of)
    report(args, main_runs, power, attribution, label, low, time.perf_counter() - clock)


def report(args, main_runs, power, attribution, label, low, seconds) -> None:
    def names(kind: str, with_low: bool) -> list[str]:
        return sorted(n for n, k in label.items() if k == kind and (with_low or n not in low))

    figures: dict[str, dict[str, float]] = {key: {} for key in ("auc_model", "auc_response", "tpr", "fpr")}
    figures |= {"attribution_acc": {}, "tpr_holm": {}, "fpr_holm": {}, "uniformity_p": {}, "with_low": {}}
    print(
        f"\nreal-world bench: {args.answers.parent.name}, reference {args.reference}, {args.prompts} prompts, "
        f"split {args.split}; {seconds:.0f} s"
    )
    for size, found in sorted(main_runs.items()):
        pos, neg = names("chatgpt", False), names("none", False)
        combined = model_strengths(found, None)
        signals = sorted({name for ss in found.signals.values() for s in ss for name in s})
        print(f"\npanel of {size}: {len(found.evidence)} audits")
        print(f"  {'signal':<30} {'AUC model':>9}")
        for signal in signals:
            strengths = model_strengths(found, signal)
            print(f"  {signal:<30} {auc([strengths[n] for n in pos], [strengths[n] for n in neg]):>9.3f}")
        figures["auc_model"][str(size)] = auc([combined[n] for n in pos], [combined[n] for n in neg])
        print(f"  {'combined verdict':<30} {figures['auc_model'][str(size)]:>9.3f}")
        tpr, n_pos = rates(found.single, pos)
        fpr, n_neg = rates(found.single, neg)
        tpr_h, _ = rates(found.holm, pos)
        fpr_h, _ = rates(found.holm, neg)
        figures["tpr"][str(size)], figures["fpr"][str(size)] = tpr, fpr
        figures["tpr_holm"][str(size)], figures["fpr_holm"][str(size)] = tpr_h, fpr_h
        figures["uniformity_p"][str(size)] = uniformity(found.single, neg)
        responses = response_aucs(found.evidence, label, lambda n: n not in low)
        best = max(responses, key=lambda s: responses[s]) if responses else None
        figures["auc_response"][str(size)] = responses[best] if best else math.nan
        print(f"  verdict, one target at a time: TPR {tpr:.3f} of {n_pos} (chatgpt), FPR {fpr:.3f} of {n_neg} (none)")
        print(f"  verdict, Holm over each audit's targets: TPR {tpr_h:.3f}, FPR {fpr_h:.3f}")
        print(
            f"  null p-values of the none models: one-sided KS against uniform (too many small ones), "
            f"p {figures['uniformity_p'][str(size)]:.3f}"
        )
        print("  per-response AUC: " + ", ".join(f"{s} {v:.3f}" for s, v in sorted(responses.items())))
        pos_l, neg_l = names("chatgpt", True), names("none", True)
        combined_l = combined
        figures["with_low"][str(size)] = {
            "auc_model": auc([combined_l[n] for n in pos_l], [combined_l[n] for n in neg_l]),
            "tpr": rates(found.single, pos_l)[0],
            "fpr": rates(found.single, neg_l)[0],
        }
        print(f"  with low-confidence labels: {figures['with_low'][str(size)]}")
        for kind in ("chatgpt", "none", "gpt4", "davinci", "claude", "openai_mixed"):
            calls = {n: sum(v.verdict == "distilled" for v in found.single.get(n, [])) for n in names(kind, True)}
            shown = ", ".join(f"{n} {c}/{len(found.single.get(n, []))}" for n, c in calls.items())
            print(f"  distilled calls, {kind}: {shown}")
    for size, found in sorted(attribution.items()):
        expected = {
            n: (args.reference if CANDIDATES[k] is None else CANDIDATES[k])
            for n, k in label.items()
            if k in CANDIDATES and n not in low
        }
        accuracy, count = attribution_accuracy(found.single, expected)
        figures["attribution_acc"][str(size)] = accuracy
        closest = {n: found.single[n][0].closest for n in expected if n in found.single}
        print(
            f"\nattribution, panel of {size}: {accuracy:.3f} of {count}; "
            + ", ".join(f"{n} → {c} ({label[n]})" for n, c in sorted(closest.items()))
        )
    figures["power"] = {}
    for count, found in sorted(power.items()):
        tpr, n_pos = rates(found.single, names("chatgpt", False))
        figures["power"][str(count)] = tpr
        print(f"power, panel of 8, {count} prompts: TPR {tpr:.3f} of {n_pos}")
    figures |= {"prompts": args.prompts, "reference": args.reference, "split": args.split, "seconds": round(seconds)}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
