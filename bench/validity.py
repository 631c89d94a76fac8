"""Does the verdict hold on ground truth? AUC, false positives, calibration, share error, attribution.

A validation zoo is built once and cached: teachers A and B, a base, and every student recipe in
several replicates (each its own draw of data and its own seed), including unrelated students of
panel personas that never saw A or B. One audit collects every model's evidence against teacher A
and against teacher B (candidate teachers), with all models as targets and no panel. The verdicts
are then computed from that evidence alone, as the product computes them, with panels chosen so
that no model is judged against a panel holding its own kind:

- the undistilled models (negatives) are the base, the A-students at f = 0, B's students and the
  panel personas' students; a negative of one kind is tested against the negatives of the other
  kinds, and every distilled student against the negatives that are not A-students at f = 0;
- AUC: distilled (f ≥ 0.25, and f = 0.1 apart) against undistilled, ranked by the combined p-value;
- false-positive rate of the undistilled at α = 0.05 (per test, before the Holm step), and a KS
  test of their p-values against the uniform law;
- share: the mean absolute error of the estimated share against the true share, with the
  floor–ceiling line and with a curve learned on the other replicates (cross-fitted by replicate);
  the curve learned on all of them is written to `validity-calibration.json` for `--calibration`;
- attribution among A and B, against a panel of models distilled from neither;
- sequential mode: the same audit's ICE queries replayed through the sequential test after each
  iteration, where a live sequential audit would have stopped asking, and the verdicts again.

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

from distillscope.audit.evidence import Evidence
from distillscope.audit.ice.job import ICESettings
from distillscope.audit.job import AuditJob, AuditModel
from distillscope.audit.method import Hooks
from distillscope.audit.rse.job import RSESettings
from distillscope.audit.runner import run_audit
from distillscope.audit.verdict.settings import VerdictSettings
from distillscope.audit.verdict.share import fit_calibration
from distillscope.audit.verdict.verdicts import VerdictReport, decide
from distillscope.data.families import read_family_files
from distillscope.data.sources import PromptSource
from distillscope.models.types import GenerateConfig
from distillscope.store import RunStore
from distillscope.zoo.build import build_zoo
from distillscope.zoo.config import ZooConfig
from distillscope.zoo.demo import audited
from distillscope.zoo.manifest import ZooManifest, ZooModel

ROOT = Path(os.environ.get("DISTILLSCOPE_VALIDITY", ".distillscope/validity"))


# ------------------------------------------------------------------------------------------- kinds
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


NEGATIVE_KINDS = ("base", "f0", "control")


def is_negative(kind: str) -> bool:
    return kind in NEGATIVE_KINDS or kind.startswith("persona-")


# ---------------------------------------------------------------------------------------- evidence
def evidence_audit(manifest: ZooManifest, budget: int, output: Path) -> AuditJob:
    folder = Path(manifest.folder)
    subjects = [m for m in manifest.models if m.role in ("base", "student")]
    prompts = [PromptSource(path=str(folder / path), domain=domain) for domain, path in manifest.eval_sets.items()]
    teacher = manifest.spec
    return AuditJob(
        title="validity: every zoo model against teacher A, and B",
        reference=AuditModel(model=teacher(f"teacher-{manifest.teacher_a}"), label="A", facts=manifest.teacher_a),
        candidates=[AuditModel(model=teacher(f"teacher-{manifest.teacher_b}"), label="B", facts=manifest.teacher_b)],
        targets=[audited(m, manifest) for m in subjects],
        sources=[manifest.teacher_a],
        families=read_family_files(folder / manifest.families_file),
        rse=RSESettings(
            prompts=prompts, judges=["lexical", "embedding", "style"], params=GenerateConfig(temperature=0)
        ),
        ice=ICESettings(budget=budget, seed=0),
        output=output,
    )


def as_roles(evidence: Sequence[Evidence], targets: set[str], panel: set[str]) -> list[Evidence]:
    """The same evidence, with the chosen models as targets and the chosen panel as the panel."""
    out = []
    for e in evidence:
        if e.role == "ceiling":
            out.append(e)
        elif e.model in panel:
            out.append(e.model_copy(update={"role": "panel"}))
        elif e.model in targets:
            out.append(e.model_copy(update={"role": "target"}))
    return out


def verdicts(
    evidence: Sequence[Evidence],
    names: dict[str, str],
    targets: Sequence[str],
    panel: Sequence[str],
    references: Sequence[tuple[str, str]],
    settings: VerdictSettings,
) -> VerdictReport:
    view = as_roles(evidence, set(targets), set(panel))
    return decide(view, ["rse", "ice"], [(t, names[t]) for t in targets], references, list(panel), settings)


# -------------------------------------------------------------------------------------- sequential
def truncated(evidence: Sequence[Evidence], model: str, reference: str, outcomes_kept: int) -> list[Evidence]:
    """ICE's evidence of one model cut to its first queries, as a sequential run would have stopped."""
    out = []
    for e in evidence:
        if e.method == "ice" and e.model == model and e.reference == reference:
            items = [
                i.model_copy(
                    update={
                        "ids": i.ids[:outcomes_kept],
                        "values": i.values[:outcomes_kept],
                        "groups": i.groups[:outcomes_kept],
                    }
                )
                for i in e.items
            ]
            e = e.model_copy(update={"items": items, "queries": outcomes_kept})
        out.append(e)
    return out


def sequential_stop(evidence: Evidence, test) -> int:
    """Queries a live sequential run asks: whole iterations (one template each), until the test decides."""
    strict = evidence.item_values("strict")
    ids, values = strict.ids, strict.values
    boundaries = [i for i in range(1, len(ids)) if ids[i].split("/")[0] != ids[i - 1].split("/")[0]] + [len(ids)]
    for end in boundaries:
        decision, _, _ = test.run(values[:end])
        if decision is not None:
            return end
    return len(ids)


# ------------------------------------------------------------------------------------------ figures
def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """AUC of -log p: how often a distilled model's p-value is below an undistilled one's."""
    scores = [-math.log10(max(p, 1e-300)) for p in [*positive, *negative]]
    labels = [1] * len(positive) + [0] * len(negative)
    return float(roc_auc_score(labels, scores)) if positive and negative else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="micro", choices=["micro", "small"])
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--budget", type=int, default=150, help="ICE queries per model at the full budget")
    args = parser.parse_args()
    clock = time.perf_counter()
    manifest = build_zoo(ZooConfig(size=args.size, replicates=args.replicates), ROOT / "zoo", on_stage=print)
    built = time.perf_counter() - clock
    settings = VerdictSettings()
    with RunStore(ROOT / "store.sqlite") as store:
        job = evidence_audit(manifest, args.budget, ROOT / f"audit-{args.size}")
        results = asyncio.run(run_audit(job, store, Hooks(on_stage=print)))
    audited_seconds = time.perf_counter() - clock - built
    evidence = results.evidence
    names = {t.model: t.label for t in results.targets}
    models = {manifest.spec(m.name): m for m in manifest.models}
    kind = {spec: kind_of(m, manifest) for spec, m in models.items() if spec in names}
    a_ref, b_ref = results.reference.model, results.candidates[0].model
    negatives = [s for s, k in kind.items() if is_negative(k)]

    # ---- the verdict against A, each model against a panel of other kinds
    p_values: dict[str, float] = {}
    reports: dict[str, VerdictReport] = {}
    for group in sorted(set(kind.values())):
        members = [s for s, k in kind.items() if k == group]
        panel = [s for s in negatives if kind[s] != group and (is_negative(group) or kind[s] != "f0")]
        report = verdicts(evidence, names, members, panel, [(a_ref, "A")], settings)
        reports[group] = report
        p_values.update({t.model: t.p_value for t in report.targets if t.p_value is not None})
    fraction = {s: models[s].nominal_fraction for s in kind if kind[s].startswith("f")}
    positive_25 = [p_values[s] for s, f in fraction.items() if f is not None and f >= 0.25 and s in p_values]
    positive_10 = [p_values[s] for s, f in fraction.items() if f == 0.1 and s in p_values]
    negative_p = [p_values[s] for s in negatives if s in p_values]
    fpr = float(np.mean([p <= settings.alpha for p in negative_p]))
    ks = float(stats.kstest(negative_p, "uniform").pvalue)

    # ---- share: floor-ceiling, and a curve learned on the other replicates
    truth = {s: (models[s].fraction if models[s].teacher == manifest.teacher_a else 0.0) for s in kind}
    graded = [s for s in kind if kind[s].startswith("f") or is_negative(kind[s])]
    shares = {t.model: t.share for r in reports.values() for t in r.targets if t.share is not None}
    floor_errors, learned_errors = [], []
    for s in graded:
        if s not in shares:
            continue
        floor_errors.append(abs(shares[s].value - truth[s]))
        others = [o for o in graded if o in shares and models[o].replicate != models[s].replicate]
        curve = fit_calibration([shares[o].z for o in others], [truth[o] for o in others], "other replicates")
        learned_errors.append(abs(curve.apply(shares[s].z) - truth[s]))
    everything = [s for s in graded if s in shares]
    calibration = fit_calibration(
        [shares[s].z for s in everything], [truth[s] for s in everything], f"validation zoo ({args.size})"
    )
    calibration = calibration.model_copy(update={"mae": float(np.mean(learned_errors)) if learned_errors else None})
    (ROOT / "validity-calibration.json").write_text(calibration.model_dump_json(indent=1), encoding="utf-8")

    # ---- attribution among A and B, against models distilled from neither
    neither = [s for s in negatives if kind[s] != "control"]
    attributed = [
        s for s in kind if (kind[s].startswith("f") and (fraction.get(s) or 0) >= 0.25) or kind[s] == "control"
    ]
    report = verdicts(evidence, names, attributed, neither, [(a_ref, "A"), (b_ref, "B")], settings)
    expected = {s: ("B" if kind[s] == "control" else "A") for s in attributed}
    correct = [t.closest == expected[t.model] for t in report.targets]
    attribution_acc = float(np.mean(correct)) if correct else math.nan

    # ---- sequential: ICE stopped when decided, then the verdicts again
    from distillscope.audit.verdict.nulls import beta_null
    from distillscope.audit.verdict.sequential import SequentialTest

    main_panel = [s for s in negatives if kind[s] != "f0"]
    ice = {e.model: e for e in evidence if e.method == "ice" and e.reference == a_ref}
    counts = [
        (round(sum(ice[s].item_values("strict").values)), len(ice[s].item_values("strict").values)) for s in main_panel
    ]
    test = SequentialTest.from_null(beta_null(counts), settings.min_rate_gain, settings.alpha, settings.beta)
    stopped = list(evidence)
    queries = {}
    tested = [s for s in kind if s not in main_panel]
    for s in tested:
        queries[s] = sequential_stop(ice[s], test)
        stopped = truncated(stopped, s, a_ref, queries[s])
    fixed = verdicts(evidence, names, tested, main_panel, [(a_ref, "A")], settings)
    sequential = verdicts(stopped, names, tested, main_panel, [(a_ref, "A")], settings)
    same = float(np.mean([f.verdict == q.verdict for f, q in zip(fixed.targets, sequential.targets, strict=True)]))

    print()
    print(
        f"zoo: {args.size}, {args.replicates} replicates, {len(kind)} models; "
        f"built in {built:.0f} s, audited in {audited_seconds:.0f} s"
    )
    print(f"{'model':<34} {'kind':<16} {'p (combined)':>12} {'share':>6} {'truth':>6}")
    for s in sorted(kind, key=lambda s: (kind[s], names[s])):
        share = shares.get(s)
        print(
            f"{names[s]:<34} {kind[s]:<16} {p_values.get(s, math.nan):>12.3g} "
            f"{(share.value if share else math.nan):>6.2f} {truth[s]:>6.2f}"
        )
    figures = {
        "auc_f_ge_025": auc(positive_25, negative_p),
        "auc_f_01": auc(positive_10, negative_p),
        "fpr_at_005": fpr,
        "ks_p": ks,
        "negatives": len(negative_p),
        "share_mae": float(np.mean(learned_errors)) if learned_errors else math.nan,
        "share_mae_floor_ceiling": float(np.mean(floor_errors)) if floor_errors else math.nan,
        "attribution_acc": attribution_acc,
        "mean_queries_sequential": float(np.mean(list(queries.values()))),
        "queries_fixed": args.budget,
        "sequential_same_verdicts": same,
        "size": args.size,
        "replicates": args.replicates,
    }
    print(
        "\nAUC distilled (f ≥ 0.25) vs undistilled: "
        f"{figures['auc_f_ge_025']:.3f}; at f = 0.1: {figures['auc_f_01']:.3f} (goal ≥ 0.97; f = 0.1 in the next issue)"
    )
    print(
        f"undistilled: false-positive rate at α = 0.05 {fpr:.3f} of {len(negative_p)}; "
        f"KS p {ks:.3f} (goals ≤ 0.05, > 0.05)"
    )
    print(
        f"share MAE: learned, cross-fitted by replicate {figures['share_mae']:.3f}; floor–ceiling "
        f"{figures['share_mae_floor_ceiling']:.3f} (goal ≤ 0.1)"
    )
    print(
        f"attribution among A and B (f ≥ 0.25 and B's students): {attribution_acc:.3f} of {len(correct)} (goal ≥ 0.95)"
    )
    print(
        f"sequential ICE: {figures['mean_queries_sequential']:.0f} queries per target on average against "
        f"{args.budget}; same verdicts {same:.3f}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
