"""`run_audit`: RSE and ICE of every target against the reference, then one results folder and report.

    results = await run_audit(AuditJob(reference="openai:gpt-4o", targets=["deepseek:deepseek-chat"]), store)

The audit composes the two methods rather than reimplementing them: it turns its job into an
`RSEJob` and an `ICEJob` (one fuzz tree per target) and runs them on the same store, so each keeps
its own cache, resume and result files, under `rse/` and `ice/` of the audit folder. An `audit` run
in the store ties the two methods' runs together under one id.

What the audit adds is the question: "was this target distilled from the reference?" So ICE's
source families default to the reference's family, and each target's facts to its own family; a
target of no known family is judged against a neutral family, under which any claimed identity
counts as loose. `plan_audit` is the dry run: both methods' plans, nothing called.
"""

from __future__ import annotations

import contextlib
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from distillscope import __version__
from distillscope.audit.ice import ICEJob, plan_ice, run_ice
from distillscope.audit.ice.results import RESULTS_JSON as ICE_RESULTS_FILE
from distillscope.audit.job import AuditJob, AuditModel, section_fields
from distillscope.audit.results import (
    ICE_FOLDER,
    REPORT_FILE,
    RSE_FOLDER,
    AuditedModel,
    AuditResults,
    StageRecord,
    combined_usage,
    summarize,
    write_results,
)
from distillscope.audit.rse import RSEJob, RSEPlan, plan_rse, run_rse
from distillscope.audit.rse.results import RESULTS_FILE as RSE_RESULTS_FILE
from distillscope.data.families import Family, family_of, get_family, load_families
from distillscope.errors import InputError
from distillscope.models.config import ModelConfig
from distillscope.models.plan import CallPlan, total_cost
from distillscope.models.run import Run
from distillscope.models.spec import resolve_config
from distillscope.store import RunStore

NEUTRAL_FAMILY = "unknown"
# No names of its own: every known family a response claims is another one (loose); only a response
# that says it was made by an "unknown developer" claims this one.
NEUTRAL = Family(names=[], developer="unknown developer")

StageCallback = Callable[[str], None]


@dataclass
class ResolvedAudit:
    """An audit job with its names turned into things: files, families, facts and the two method jobs."""

    job: AuditJob
    models_file: Path | None
    families_files: list[Path]
    families: dict[str, Family]
    reference: AuditedModel
    targets: list[AuditedModel]
    sources: list[str]
    warnings: list[str] = field(default_factory=list)

    def rse_job(self, output: Path | None) -> RSEJob:
        return RSEJob.model_validate(
            {
                **section_fields(self.job.rse, RSEJob),
                "reference": self.reference.model,
                "targets": [t.model for t in self.targets],
                "models": self.models_file,
                "output": output,
            }
        )

    def ice_job(self, output: Path | None) -> ICEJob:
        return ICEJob.model_validate(
            {
                **section_fields(self.job.ice, ICEJob),
                "target": [t.model for t in self.targets],
                "facts": [t.facts for t in self.targets],
                "sources": self.sources,
                "families": self.families_files,
                "models": self.models_file,
                "output": output,
            }
        )


@contextlib.contextmanager
def resolve_audit(job: AuditJob) -> Iterator[ResolvedAudit]:
    """Resolve the job; inline models and the neutral family live in a scratch folder meanwhile.

    RSE and ICE read named models and extra families from files, so what the audit config states
    inline is written to files for the duration of the run. Cache keys hash what a model *is*,
    never these paths, so a rerun from another scratch folder is still answered from the store.
    """
    with tempfile.TemporaryDirectory(prefix="distillscope-audit-") as scratch:
        folder = Path(scratch)
        models_file = _models_file(job.models, folder)
        families = load_families(*job.families)
        reference = _audited(job.reference, models_file, families, fallback=None)
        targets = [_audited(t, models_file, families, fallback=NEUTRAL_FAMILY) for t in job.targets]
        families_files = list(job.families)
        if any(t.facts == NEUTRAL_FAMILY for t in targets) and NEUTRAL_FAMILY not in families:
            families_files.append(_neutral_families_file(folder))
            families = {**families, NEUTRAL_FAMILY: NEUTRAL.model_copy(update={"id": NEUTRAL_FAMILY})}
            for target in targets:
                if target.facts == NEUTRAL_FAMILY:
                    target.facts_name = _family_name(families[NEUTRAL_FAMILY])
        sources = _sources(job, reference, families)
        resolved = ResolvedAudit(job, models_file, families_files, families, reference, targets, sources)
        resolved.warnings = identity_warnings(resolved)
        yield resolved


def _models_file(models: Path | dict[str, ModelConfig | str] | None, folder: Path) -> Path | None:
    if models is None or isinstance(models, Path):
        return models
    entries = {
        alias: {"spec": cfg} if isinstance(cfg, str) else cfg.model_dump(mode="json", exclude_defaults=True)
        for alias, cfg in models.items()
    }
    path = folder / "models.yaml"
    path.write_text(yaml.safe_dump({"models": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _neutral_families_file(folder: Path) -> Path:
    path = folder / "families.yaml"
    neutral = NEUTRAL.model_dump(mode="json", exclude={"id"}, exclude_defaults=True)
    neutral["names"] = []
    path.write_text(yaml.safe_dump({"families": {NEUTRAL_FAMILY: neutral}}), encoding="utf-8")
    return path


def _audited(
    entry: AuditModel, models_file: Path | None, families: dict[str, Family], fallback: str | None
) -> AuditedModel:
    config = resolve_config(entry.model, models_file)
    facts = get_family(entry.facts, families).id if entry.facts else family_of(config.spec, families) or fallback
    return AuditedModel(
        model=entry.model,
        label=entry.display,
        spec=config.spec,
        config=config.model_dump(mode="json", exclude_defaults=True),
        facts=facts,
        facts_name=_family_name(families[facts]) if facts in families else None,
        ground_truth=entry.ground_truth,
    )


def _family_name(family: Family) -> str:
    return f"{family.names[0] if family.names else family.id} ({family.developer})"


def _sources(job: AuditJob, reference: AuditedModel, families: dict[str, Family]) -> list[str]:
    if job.sources:
        return [get_family(s, families).id for s in job.sources]
    if reference.facts is None:
        raise InputError(
            f"cannot tell which family the reference {reference.model!r} belongs to, so ICE cannot tell "
            "which claimed identities are the reference's",
            hint="give the reference's facts ({model: ..., facts: FAMILY}) or --sources FAMILY[,FAMILY]; "
            f"known families: {', '.join(sorted(families))}",
        )
    return [reference.facts]


def identity_warnings(audit: ResolvedAudit) -> list[str]:
    warnings = []
    for target in audit.targets:
        if target.facts == NEUTRAL_FAMILY:
            warnings.append(
                f"ICE: no known family for target {target.label!r}; it was judged against a neutral identity, "
                "so any family it claims counts as loose (set its `facts` to judge it against its own)"
            )
        elif target.facts in audit.sources:
            warnings.append(
                f"ICE: target {target.label!r} is of a source family ({target.facts}); its claims of that family "
                "are its own, so its strict and hard scores cannot count them"
            )
    return warnings


# ------------------------------------------------------------------------------------------ dry run
@dataclass
class AuditPlan:
    """Both methods' planned calls. Nothing is called to make it."""

    rse: RSEPlan
    ice: list[CallPlan]
    warnings: list[str]

    def rows(self) -> list[tuple[str, CallPlan]]:
        return [("rse", p) for p in self.rse.plans] + [("ice", p) for p in self.ice]

    def by_model(self) -> list[CallPlan]:
        """One plan per model, over both methods and every role."""
        merged: dict[str, CallPlan] = {}
        for _, plan in self.rows():
            total = merged.setdefault(plan.model, CallPlan(model=plan.model, role="all", price=plan.price))
            total.calls += plan.calls
            total.cached += plan.cached
            total.prompt_tokens += plan.prompt_tokens
            total.completion_tokens += plan.completion_tokens
        return list(merged.values())

    @property
    def calls(self) -> int:
        return sum(p.calls for _, p in self.rows())

    @property
    def cached(self) -> int:
        return sum(p.cached for _, p in self.rows())

    @property
    def cost_usd(self) -> float | None:
        return total_cost(p for _, p in self.rows())


def plan_audit(job: AuditJob, store: RunStore) -> AuditPlan:
    with resolve_audit(job) as audit:
        rse_plan = plan_rse(audit.rse_job(None), store)
        ice_plans = plan_ice(audit.ice_job(None), store)
        return AuditPlan(rse_plan, ice_plans, [*audit.warnings, *rse_plan.warnings])


# ---------------------------------------------------------------------------------------------- run
async def run_audit(
    job: AuditJob,
    store: RunStore,
    on_stage: StageCallback | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[Any], None] | None = None,
) -> AuditResults:
    """Run RSE, then ICE; write results.json, the CSV tables and report.html when `job.output` is set."""
    started, created_at = time.monotonic(), _now()
    rse_folder = job.output / RSE_FOLDER if job.output is not None else None
    ice_folder = job.output / ICE_FOLDER if job.output is not None else None
    with resolve_audit(job) as audit:
        async with Run(store, "audit", job.model_dump(mode="json")) as run:
            clock = time.monotonic()
            rse = await run_rse(
                audit.rse_job(rse_folder),
                store,
                on_start=on_start,
                on_result=on_result,
                on_stage=lambda name: _say(on_stage, f"rse {name}"),
            )
            rse_stage = StageRecord(
                name="rse",
                run_id=rse.run_id,
                results_file=f"{RSE_FOLDER}/{RSE_RESULTS_FILE}",
                seconds=time.monotonic() - clock,
                usage=rse.usage,
            )
            _say(on_stage, "ice target queries")
            clock = time.monotonic()
            ice = await run_ice(audit.ice_job(ice_folder), store, on_start=on_start, on_result=on_result)
            ice_stage = StageRecord(
                name="ice",
                run_id=ice.run_id,
                results_file=f"{ICE_FOLDER}/{ICE_RESULTS_FILE}",
                seconds=time.monotonic() - clock,
                usage=ice.usage,
            )
        results = AuditResults(
            title=job.report_title,
            run_id=run.id,
            created_at=created_at,
            seconds=time.monotonic() - started,
            reference=audit.reference,
            targets=audit.targets,
            sources=audit.sources,
            source_names=[_family_name(audit.families[s]) for s in audit.sources],
            summary=summarize(audit.targets, rse, ice),
            stages=[rse_stage, ice_stage],
            warnings=[*audit.warnings, *rse.warnings],
            versions=versions(),
            job=job.model_dump(mode="json"),
            rse=rse,
            ice=ice,
        )
    store.finish_run(
        run.id,
        run.status,
        {"stages": {s.name: s.run_id for s in results.stages}, "usage": combined_usage(results.stages)},
    )
    if job.output is not None:
        write_results(results, job.output)
        from distillscope.audit.report import render_report  # plotly is only needed once there is a report

        render_report(job.output, job.output / REPORT_FILE)
    return results


def versions() -> dict[str, str]:
    return {
        "distillscope": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(terse=True),
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _say(on_stage: StageCallback | None, text: str) -> None:
    if on_stage is not None:
        on_stage(text)
