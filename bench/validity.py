"""Does the verdict hold on ground truth? AUC, false positives, calibration, share error, attribution.

A validation zoo is built once and cached: teachers A and B, a base, and every student recipe in
several replicates (each its own draw of data and its own seed), with unrelated students of panel
personas that never saw A or B. Then real audits run on it, every signal at once (RSE, ICE, the
idiosyncrasy classifier, the style profile, white-box likelihood and agreement), each model judged
against a null panel that holds none of its own kind:

- the undistilled models (negatives) are the base, the A-students at f = 0, B's students and the
  panel personas' students. A panel holds one model of each kind, all of one replicate (replicates
  of one recipe are near copies, and a panel of copies would understate how much unrelated models
  differ); the negatives of one kind are audited against the other kinds, the distilled students
  against every kind;
- AUC: distilled (f ≥ 0.25, and f = 0.1 apart) against undistilled, ranked by the combined p-value,
  and by each signal's own p-value; the identity-scrubbed students' detection rate per signal;
- the undistilled models' false-positive rate at α = 0.05 (per test, before Holm's step), and a KS
  test of their combined p-values against the uniform law;
- share: the mean absolute error of the estimate against the true share, with the floor–ceiling
  line and with a curve learned on the other replicates (cross-fitted by replicate) by the product's
  `distillscope calibrate`; the curve learned on all of them is written to
  `validity-calibration.json` for `--calibration`. Then every verdict again, each replicate's with
  the curve learned on the others: how often the share's 95% interval holds the true share
  (`share_coverage`), and how many students with f ≥ 0.1 were called "not distinguishable"
  (`not_distinguishable_distilled`, which must be 0);
- attribution between A and B, against a panel of models distilled from neither;
- sequential mode: each target's ICE queries, in the order its fuzz tree asked them, go through the
  product's sequential test after every iteration, as a live sequential run does (a fuzz tree is
  deterministic, so the queries a live run would ask are the first ones of the full run; the
  panel is asked in full either way); then the verdicts again, on the queries it took.

Every call goes through one run store, so a second run of the bench only recomputes statistics.

    .venv/bin/python bench/validity.py [--size micro|small] [--replicates 3] [--budget 150]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from distillscope.audit.calibrate import calibrate_results, learn_calibration, write_calibration
from distillscope.audit.evidence import PANEL_ROLE, Evidence
from distillscope.audit.ice.settings import ICESettings
from distillscope.audit.job import AuditJob, AuditModel
from distillscope.audit.method import Hooks, verdict_signals, voting_methods
from distillscope.audit.results import AuditResults
from distillscope.audit.rse.job import RSESettings
from distillscope.audit.runner import run_audit
from distillscope.audit.verdict.sequential import SequentialTest, outcome_counts, sequential_test
from distillscope.audit.verdict.settings import VerdictSettings
from distillscope.audit.verdict.verdicts import VerdictReport, decide
from distillscope.data.families import read_family_files
from distillscope.data.sources import PromptSource
from distillscope.models.types import GenerateConfig
from distillscope.store import RunStore
from distillscope.zoo.build import build_zoo
from distillscope.zoo.config import UNRELATED_PERSONAS, ZooConfig
from distillscope.zoo.demo import audited, zoo_catalog
from distillscope.zoo.manifest import ZooManifest, ZooModel

ROOT = Path(os.environ.get("DISTILLSCOPE_VALIDITY", ".distillscope/validity"))
METHODS = ["rse", "ice", "proximity", "classifier", "markers", "likelihood", "agreement"]
NEGATIVE_KINDS = ("base", "f0", "control")
JUDGES = ("lexical", "embedding", "style")
PANEL_PERSONAS = UNRELATED_PERSONAS


def kind_of(model: ZooModel, manifest: ZooManifest) -> str:
    """What a model is, for choosing panels: negatives of one kind are never judged against their own."""
    if model.role == "base":
        return "base"
    if model.own_corpus:
        return f"persona-{model.teacher}"
    if model.teacher == manifest.teacher_b:
        return "control"
    if model.scrubbed:
        return "scrubbed"
    if model.method == "kd":
        return "kd"
    return f"f{model.nominal_fraction:g}"


def is_negative(kind: str) -> bool:
    return kind in NEGATIVE_KINDS or kind.startswith("persona-")


def audit_job(
    manifest: ZooManifest,
    targets: Sequence[ZooModel],
    panel: Sequence[ZooModel],
    budget: int,
    sequential: bool,
    candidates: bool = False,
) -> AuditJob:
    folder = Path(manifest.folder)
    prompts = [PromptSource(path=str(folder / path), domain=domain) for domain, path in manifest.eval_sets.items()]
    teacher = manifest.spec
    return AuditJob(
        reference=AuditModel(model=teacher(f"teacher-{manifest.teacher_a}"), label="A", facts=manifest.teacher_a),
        candidates=(
            [AuditModel(model=teacher(f"teacher-{manifest.teacher_b}"), label="B", facts=manifest.teacher_b)]
            if candidates
            else []
        ),
        targets=[audited(m, manifest) for m in targets],
        panel=[audited(m, manifest) for m in panel],
        sources=[manifest.teacher_a],
        families=read_family_files(folder / manifest.families_file),
        models=zoo_catalog(manifest),
        methods=METHODS,
        rse=RSESettings(prompts=prompts, judges=list(JUDGES), params=GenerateConfig(temperature=0)),
        ice=ICESettings(budget=budget, seed=0),
        verdict=VerdictSettings(sequential=sequential),
    )


def sequential_verdicts(results: AuditResults, settings: VerdictSettings) -> VerdictReport:
    """The audit's verdicts had ICE stopped each target when the sequential test decided."""
    a = results.reference.model
    ice = {e.model: e for e in results.evidence if e.method == "ice" and e.reference == a}
    panel = [e for e in ice.values() if e.role == PANEL_ROLE]
    test = sequential_test([outcome_counts(e.item_values("strict").values) for e in panel], settings)
    settings = settings.model_copy(update={"sequential": True})  # the anytime-valid p-value of a stopped run
    evidence = list(results.evidence)
    for model, e in ice.items():
        if e.role == "target":
            evidence = truncated(evidence, model, a, sequential_stop(e, test))
    queries = {m: e.queries for e in evidence if e.method == "ice" and e.role == "target" for m in [e.model]}
    return decide(
        evidence,
        voting_methods(results.methods, settings.methods),
        [(t.model, t.label) for t in results.targets],
        [(a, results.reference.label)],
        [p.label for p in results.panel],
        settings,
        queries,
        counted=verdict_signals,
    )


def redecide(results: AuditResults, settings: VerdictSettings) -> VerdictReport:
    """An audit's verdicts again from its evidence, under other settings (a calibration)."""
    return decide(
        results.evidence,
        voting_methods(results.methods, settings.methods),
        [(t.model, t.label) for t in results.targets],
        [(results.reference.model, results.reference.label)],
        [p.label for p in results.panel],
        settings,
        counted=verdict_signals,
    )


def truncated(evidence: Sequence[Evidence], model: str, reference: str, kept: int) -> list[Evidence]:
    """ICE's evidence of one model cut to its first queries."""
    out = []
    for e in evidence:
        if e.method == "ice" and e.model == model and e.reference == reference:
            items = [
                i.model_copy(update={"ids": i.ids[:kept], "values": i.values[:kept], "groups": i.groups[:kept]})
                for i in e.items
            ]
            e = e.model_copy(update={"items": items, "queries": kept})
        out.append(e)
    return out


def sequential_stop(evidence: Evidence, test: SequentialTest) -> int:
    """Queries a live run asks: whole iterations (one mutant template each), until the test decides."""
    strict = evidence.item_values("strict")
    ids, values = strict.ids, strict.values
    ends = [i for i in range(1, len(ids)) if ids[i].split("/")[0] != ids[i - 1].split("/")[0]] + [len(ids)]
    for end in ends:
        if test.run(values[:end])[0] is not None:
            return end
    return len(ids)


def _one_of(models: Sequence[ZooModel], kind: dict[str, str], wanted: str, replicate: int) -> ZooModel:
    """The model of a kind in a replicate (the base has only one)."""
    of_kind = [m for m in models if kind[m.name] == wanted]
    return next((m for m in of_kind if m.replicate == replicate), of_kind[0])


def run(job: AuditJob, store: RunStore) -> AuditResults:
    return asyncio.run(run_audit(job, store, Hooks(on_stage=lambda name: print(f"  · {name}", flush=True))))


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """AUC of -log p: how often a distilled model's p-value is below an undistilled one's."""
    if not positive or not negative:
        return math.nan
    scores = [-math.log10(max(p, 1e-300)) for p in [*positive, *negative]]
    return float(roc_auc_score([1] * len(positive) + [0] * len(negative), scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="micro", choices=["micro", "small"])
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--budget", type=int, default=150, help="ICE queries per model at the full budget")
    args = parser.parse_args()
    clock = time.perf_counter()
    config = ZooConfig(size=args.size, replicates=args.replicates, panel_personas=PANEL_PERSONAS)
    manifest = build_zoo(config, ROOT / "zoo", on_stage=lambda stage: print(f"zoo · {stage}", flush=True))
    built = time.perf_counter() - clock
    models = [m for m in manifest.models if m.role in ("base", "student")]
    kind = {m.name: kind_of(m, manifest) for m in models}
    negatives = [m for m in models if is_negative(kind[m.name])]
    distilled = [m for m in models if not is_negative(kind[m.name])]

    # ---- audits: per replicate, each kind of negative against the other kinds; the distilled against all
    def panel_of(replicate: int, without: str | None) -> list[ZooModel]:
        kinds = sorted({kind[m.name] for m in negatives} - {without})
        return [_one_of(negatives, kind, k, replicate) for k in kinds]

    plans = []
    for replicate in range(args.replicates):
        plans.append((replicate, [m for m in distilled if m.replicate == replicate], panel_of(replicate, None)))
        for group in sorted({kind[m.name] for m in negatives}):
            members = [m for m in negatives if kind[m.name] == group and m.replicate == replicate]
            if members:
                plans.append((replicate, members, panel_of(replicate, group)))
    fixed: dict[str, dict] = {}
    sequential: dict[str, dict] = {}
    audits: list[tuple[int, AuditResults]] = []
    settings = VerdictSettings()
    with RunStore(ROOT / f"store-{args.size}.sqlite") as store:
        for replicate, targets, panel in plans:
            print(f"audit: {len(targets)} targets, panel of {len(panel)}", flush=True)
            results = run(audit_job(manifest, targets, panel, args.budget, False), store)
            audits.append((replicate, results))
            names = {audited(m, manifest).model: m.name for m in targets}
            for verdict in results.verdict.targets if results.verdict else []:
                fixed[names[verdict.model]] = verdict.model_dump()
            for verdict in sequential_verdicts(results, settings).targets:
                sequential[names[verdict.model]] = verdict.model_dump()
        print("audit (attribution): A's students at f ≥ 0.25 and B's, against models distilled from neither")
        attributed = [m for m in distilled if kind[m.name] in ("f0.25", "f0.5", "f1")]
        attributed += [m for m in negatives if kind[m.name] == "control"]
        neither = panel_of(0, "control")
        attribution = run(audit_job(manifest, attributed, neither, args.budget, False, candidates=True), store)
    audited_seconds = time.perf_counter() - clock - built

    def p_of(name: str, signal: str | None = None) -> float | None:
        verdict = fixed.get(name)
        if verdict is None:
            return None
        if signal is None:
            return verdict["p_value"]
        return next((s["p_value"] for s in verdict["signals"] if f"{s['method']}:{s['signal']}" == signal), None)

    nominal = {m.name: m.nominal_fraction for m in models}
    at_25 = [m.name for m in distilled if kind[m.name].startswith("f") and (nominal[m.name] or 0) >= 0.25]
    at_10 = [m.name for m in distilled if kind[m.name] == "f0.1"]
    scrubbed = [m.name for m in distilled if kind[m.name] == "scrubbed"]
    undistilled = [m.name for m in negatives]

    def figures_for(signal: str | None) -> dict[str, float]:
        neg = [p for n in undistilled if (p := p_of(n, signal)) is not None]
        return {
            "auc_f_ge_025": auc([p for n in at_25 if (p := p_of(n, signal)) is not None], neg),
            "auc_f_01": auc([p for n in at_10 if (p := p_of(n, signal)) is not None], neg),
            "tpr_scrubbed": float(np.mean([(p_of(n, signal) or 1.0) <= 0.05 for n in scrubbed]))
            if scrubbed
            else math.nan,
            "fpr": float(np.mean([p <= 0.05 for p in neg])) if neg else math.nan,
        }

    signal_names = sorted({f"{s['method']}:{s['signal']}" for v in fixed.values() for s in v["signals"]})
    signals = {name: figures_for(name) for name in signal_names}
    combined = figures_for(None)
    negative_p = [p for n in undistilled if (p := p_of(n)) is not None]
    ks = float(stats.kstest(negative_p, "uniform").pvalue) if negative_p else math.nan

    # ---- share: floor-ceiling as estimated, and a curve learned on the other replicates (`distillscope calibrate`)
    truth = {m.name: (m.fraction if m.teacher == manifest.teacher_a else 0.0) for m in models}
    graded = [n for n in fixed if fixed[n]["share"] is not None and (kind[n].startswith("f") or is_negative(kind[n]))]
    floor_errors = [abs(fixed[n]["share"]["value"] - truth[n]) for n in graded]
    where = f"in the validation zoo ({args.size}, {args.replicates} replicates)"
    fit = calibrate_results([(results, f"replicate {r}") for r, results in audits], where)  # `distillscope calibrate`
    learned_errors = [abs(p.held_out - p.share) for p in fit.points if p.held_out is not None]
    ROOT.mkdir(parents=True, exist_ok=True)
    write_calibration(fit, ROOT / "validity-calibration.json")

    # ---- every verdict again, each replicate's with the curve its replicate had no part in
    crossfitted: dict[str, dict] = {}
    for replicate in range(args.replicates):
        others = [p for p in fit.points if p.group != f"replicate {replicate}"]
        curve = learn_calibration(others, "other replicates").calibration
        for r, results in audits:
            if r == replicate:
                report = redecide(results, settings.model_copy(update={"calibration": curve}))
                crossfitted.update({v.model: v.model_dump() for v in report.targets})
    names_of = {audited(m, manifest).model: m.name for m in models}
    calibrated = {names_of[model]: v for model, v in crossfitted.items()}
    with_share = [n for n, v in calibrated.items() if v["share"] is not None]
    coverage = [
        v["share"]["low"] - 1e-9 <= truth[n] <= v["share"]["high"] + 1e-9 for n in with_share for v in [calibrated[n]]
    ]
    material = [n for n in calibrated if not is_negative(kind[n]) and truth[n] >= 0.1]
    wrongly_cleared = [n for n in material if calibrated[n]["verdict"] == "not distinguishable"]
    cleared_negatives = [
        n for n in calibrated if is_negative(kind[n]) and calibrated[n]["verdict"] == "not distinguishable"
    ]

    # ---- attribution and sequential mode
    expected = {audited(m, manifest).model: ("B" if kind[m.name] == "control" else "A") for m in attributed}
    found = attribution.verdict.targets if attribution.verdict else []
    attribution_acc = float(np.mean([t.closest == expected[t.model] for t in found])) if found else math.nan
    queries = [v["queries"] for v in sequential.values() if v["queries"] is not None]
    same = float(np.mean([sequential[n]["verdict"] == fixed[n]["verdict"] for n in fixed if n in sequential]))

    print()
    print(
        f"zoo {args.size}, {args.replicates} replicates, {len(models)} models: built {built:.0f} s, audited "
        f"{audited_seconds:.0f} s"
    )
    print(f"{'model':<26} {'kind':<16} {'verdict':<22} {'p':>9} {'share':>6} {'truth':>6} {'queries':>7}")
    for m in sorted(models, key=lambda m: (kind[m.name], m.name)):
        v = fixed.get(m.name)
        if v is None:
            continue
        share = v["share"]["value"] if v["share"] else math.nan
        q = sequential.get(m.name, {}).get("queries")
        print(
            f"{m.name:<26} {kind[m.name]:<16} {v['verdict']:<22} {v['p_value'] or math.nan:>9.2g} {share:>6.2f} "
            f"{truth[m.name]:>6.2f} {q if q is not None else '–':>7}"
        )
    print(f"\n{'signal':<32} {'AUC f≥0.25':>10} {'AUC f=0.1':>10} {'TPR scrubbed':>12} {'FPR':>6}")
    for name, values in [*signals.items(), ("combined verdict", combined)]:
        print(
            f"{name:<32} {values['auc_f_ge_025']:>10.3f} {values['auc_f_01']:>10.3f} {values['tpr_scrubbed']:>12.3f} "
            f"{values['fpr']:>6.3f}"
        )
    print(
        f"\nundistilled: false-positive rate {combined['fpr']:.3f} of {len(negative_p)}, KS p {ks:.3f} "
        "(goals ≤ 0.05 and > 0.05)"
    )
    print(
        f"share MAE: learned, cross-fitted by replicate {np.mean(learned_errors):.3f}; floor–ceiling "
        f"{np.mean(floor_errors):.3f} (goal ≤ 0.1); rmse of the curve {fit.calibration.rmse:.3f}"
    )
    print(
        f"with each replicate's curve learned on the others: the share's 95% interval holds the truth for "
        f"{np.mean(coverage):.3f} of {len(coverage)} (goal ≥ 0.9); students with f ≥ 0.1 called not "
        f"distinguishable: {len(wrongly_cleared)} of {len(material)} (goal 0); undistilled called so: "
        f"{len(cleared_negatives)} of {sum(is_negative(kind[n]) for n in calibrated)}"
    )
    print(f"attribution between A and B: {attribution_acc:.3f} of {len(found)} (goal ≥ 0.95)")
    print(
        f"sequential ICE: {np.mean(queries):.0f} queries per target on average against {args.budget}; "
        f"same verdicts {same:.3f}"
    )
    figures = {
        "auc_f_ge_025": combined["auc_f_ge_025"],
        "auc_f_01": combined["auc_f_01"],
        "fpr_at_005": combined["fpr"],
        "ks_p": ks,
        "negatives": len(negative_p),
        "share_mae": float(np.mean(learned_errors)) if learned_errors else math.nan,
        "share_rmse": fit.calibration.rmse,
        "share_coverage": float(np.mean(coverage)) if coverage else math.nan,
        "not_distinguishable_distilled": len(wrongly_cleared),
        "not_distinguishable_undistilled": len(cleared_negatives),
        "share_mae_floor_ceiling": float(np.mean(floor_errors)) if floor_errors else math.nan,
        "attribution_acc": attribution_acc,
        "mean_queries_sequential": float(np.mean(queries)) if queries else math.nan,
        "queries_fixed": args.budget,
        "sequential_same_verdicts": same,
        "tpr_scrubbed": combined["tpr_scrubbed"],
        "signals": signals,
        "size": args.size,
        "replicates": args.replicates,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
