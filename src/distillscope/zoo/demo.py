"""The demo: audit the ground-truth zoo and show that the scores recover how it was made.

It builds the micro zoo (or takes it from its cache): two tiny teachers, and students distilled
from teacher A with known shares of its data, plus a white-box KD student, an identity-scrubbed
student, a control distilled from teacher B, and five students of personas that never met A or B
(the null panel, with the base). The micro zoo is the one the tests assert the verdicts on, and
with it a fresh demo stays within five minutes on two cores (the small zoo alone takes four).
Then it audits every student against teacher A with the offline judges (RSE: lexical, embedding,
style; ICE: the rule judge with the offline mutators) and the judge-free methods, writes the
report with each student's ground truth beside its scores, and checks that the scores rank the
graded series as it was made. Everything goes through one run store, so a second run is answered
from it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillscope.audit.ice.settings import ICESettings
from distillscope.audit.job import AuditJob, AuditModel
from distillscope.audit.method import Hooks
from distillscope.audit.results import AuditResults
from distillscope.audit.rse.job import RSESettings
from distillscope.audit.runner import run_audit
from distillscope.audit.truth import TruthCheck, truth_checks
from distillscope.audit.verdict.settings import VerdictSettings
from distillscope.data.families import read_family_files
from distillscope.data.sources import PromptSource
from distillscope.fileio.paths import check_output_folder
from distillscope.fileio.yamlio import validate
from distillscope.models.catalog import ModelCatalog
from distillscope.models.types import GenerateConfig
from distillscope.store import RunStore
from distillscope.zoo.build import build_zoo
from distillscope.zoo.config import ZooConfig
from distillscope.zoo.manifest import ZooManifest, ZooModel

SERIES = "share of teacher A's data"
ICE_BUDGET = 150
# Prompts drawn from each eval set: enough for RSE's intervals and the classifier's folds, few
# enough that a fresh `make demo` (zoo build included) stays within five minutes on two cores.
RSE_PROMPTS_PER_SET = 50
# Requests a zoo model generates together. The audit fires every request at once; on two CPU cores a tiny
# model answers 96 prompts in 0.6 s in batches of 32 against 3.2 s in batches of 8 (the default for a
# model of unknown size), and greedy answers are the same either way.
ZOO_BATCH = 64


@dataclass
class DemoResult:
    zoo: ZooManifest
    zoo_cached: bool
    audit: AuditResults
    audit_seconds: float
    report: Path
    checks: list[TruthCheck]

    @property
    def consistent(self) -> bool:
        return all(check.consistent for check in self.checks if check.decides)

    @property
    def calls(self) -> tuple[int, int]:
        """Model calls the audit made, and calls the run store answered."""
        usage = self.audit.usage()
        return sum(u.calls for u in usage), sum(u.cached for u in usage)


def student_label(model: ZooModel) -> str:
    suffix = f" #{model.replicate}" if model.replicate else ""
    if model.role == "base":
        return "base"
    if model.own_corpus:
        return f"{model.teacher} (unrelated){suffix}"
    if model.scrubbed:
        return f"A, scrubbed{suffix}"
    if model.method == "kd":
        return f"A, white-box KD{suffix}"
    if model.name.startswith("student-control"):
        return f"B (control){suffix}"
    return f"A f={model.nominal_fraction:g}{suffix}"


def ground_truth(model: ZooModel, manifest: ZooManifest) -> dict[str, Any]:
    if model.role == "base":
        return {"teacher": None, "fraction": 0.0, "method": "pretrain", "replicate": 0}
    truth: dict[str, Any] = {
        "teacher": model.teacher,
        "fraction": model.fraction,
        "nominal_fraction": model.nominal_fraction,
        "method": model.method,
        "scrubbed": model.scrubbed,
        "replicate": model.replicate,
    }
    graded = model.teacher == manifest.teacher_a and model.method == "sft" and not model.scrubbed
    if graded and not model.replicate:
        truth["series"] = SERIES
    return truth


def audited(model: ZooModel, manifest: ZooManifest) -> AuditModel:
    """A zoo model as an audit names it: its folder, a label, its identity facts and its ground truth."""
    facts = model.teacher if model.own_corpus else manifest.neutral
    return AuditModel(
        model=manifest.spec(model.name),
        label=student_label(model),
        facts=facts,
        ground_truth=ground_truth(model, manifest),
    )


def zoo_catalog(manifest: ZooManifest) -> ModelCatalog:
    """Every zoo model under its own spec, so an audit names it as before but generates in large batches."""
    specs = [manifest.spec(m.name) for m in manifest.models]
    return ModelCatalog({spec: {"spec": spec, "batch_size": ZOO_BATCH} for spec in specs})


def demo_audit_job(manifest: ZooManifest, output: Path) -> AuditJob:
    """Every student of A (and B's control) against teacher A, with its ground truth, beside a null panel
    of models that never saw A (the base and the panel personas' students); teacher B is a candidate."""
    folder = Path(manifest.folder)
    unrelated = [m for m in manifest.models if m.replicate == 0 and (m.role == "base" or m.own_corpus)]
    students = sorted(
        (m for m in manifest.students() if m.replicate == 0 and not m.own_corpus),
        key=lambda m: (m.teacher != manifest.teacher_a, m.scrubbed, m.method == "kd", m.nominal_fraction or 0),
    )
    prompts = [PromptSource(path=str(folder / path), domain=domain) for domain, path in manifest.eval_sets.items()]
    return AuditJob(
        title="distillscope demo: did the zoo's students learn from teacher A?",
        reference=AuditModel(
            model=manifest.spec(f"teacher-{manifest.teacher_a}"),
            label=f"teacher A ({manifest.teacher_a})",
            facts=manifest.teacher_a,
        ),
        targets=[audited(m, manifest) for m in students],
        panel=[audited(m, manifest) for m in unrelated],
        candidates=[
            AuditModel(
                model=manifest.spec(f"teacher-{manifest.teacher_b}"),
                label=f"teacher B ({manifest.teacher_b})",
                facts=manifest.teacher_b,
            )
        ],
        sources=[manifest.teacher_a],
        families=read_family_files(folder / manifest.families_file),
        models=zoo_catalog(manifest),
        rse=RSESettings(
            prompts=prompts,
            judges=["lexical", "embedding", "style"],
            params=GenerateConfig(temperature=0),
            sample=RSE_PROMPTS_PER_SET,
            seed=0,
        ),
        ice=ICESettings(budget=ICE_BUDGET, seed=0),
        verdict=VerdictSettings(sequential=True),
        output=output,
    )


def run_demo(
    workdir: Path,
    *,
    size: str = "micro",
    on_stage: Callable[[str], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[Any], None] | None = None,
) -> DemoResult:
    say = on_stage or (lambda _: None)
    built: list[str] = []

    def zoo_stage(name: str) -> None:
        built.append(name)
        say(f"zoo: {name}")

    # A bad size is named before any work. The zoo's default panel personas are all five unrelated ones, so the
    # panel holds the base and five students: a panel of three gave the prediction test two degrees of freedom,
    # too few to call even f = 1 distilled.
    config = validate({"size": size}, ZooConfig, path="command line")
    check_output_folder(workdir)
    say(f"the {size} zoo (built once, then taken from its cache)")
    manifest = build_zoo(config, workdir / "zoo", on_stage=zoo_stage)
    job = demo_audit_job(manifest, workdir / "report")
    clock = time.perf_counter()
    with RunStore(workdir / "store.sqlite") as store:
        results = asyncio.run(run_audit(job, store, Hooks(say, on_start, on_result)))
    return DemoResult(
        zoo=manifest,
        zoo_cached=not built,
        audit=results,
        audit_seconds=time.perf_counter() - clock,
        report=workdir / "report" / "report.html",
        checks=truth_checks(results),
    )
