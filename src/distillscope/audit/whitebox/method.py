"""The run both white-box signals share: per reference, its answers as passages, read with local weights.

Likelihood and agreement ask the same of an audit: the reference's own answers to the shared
prompts (collected once through the store), cut to `max_passages`, read by every subject that has
local weights, with one warning for each that has none. What differs is what reading means (a
log-likelihood; next-token distributions and hidden states) and whether the reference itself must
be local; that is each method's `read`, and the loop, the plan and the per-passage estimate are here.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel

from distillscope.audit.evidence import Evidence, ItemValues, Measure, Role
from distillscope.audit.method import AuditMethod, Hooks, MethodPlan, MethodRun, ReferenceRun, finish_reference_runs
from distillscope.audit.method_settings import PassageSettings
from distillscope.audit.resolve import AuditedModel, ResolvedAudit
from distillscope.audit.responses import collect_answers, plan_answers
from distillscope.audit.whitebox.local import Passage, is_local, needs_weights, reference_passages
from distillscope.models.run import Run
from distillscope.stats import stratified_bootstrap_mean_of_means
from distillscope.store import RunStore

PassageSettingsT = TypeVar("PassageSettingsT", bound=PassageSettings)


@dataclass
class Reading(Generic[PassageSettingsT]):
    """One reference's turn: its passages and what reading them needs."""

    audit: ResolvedAudit
    settings: PassageSettingsT
    store: RunStore
    hooks: Hooks
    reference: AuditedModel
    passages: list[Passage]
    first: bool  # the audit's own reference: the one whose results the report shows
    warnings: list[str]  # what the reading finds worth saying, added to the run's


@dataclass
class Read:
    """What a reading found: every subject's evidence, the method's own results (first reference only)
    and the run its calls went through."""

    evidence: list[Evidence]
    raw: BaseModel | None
    run: Run


class WhiteBoxMethod(AuditMethod[PassageSettingsT]):
    needs_panel = True
    runs_by_default = False  # it needs local weights, which most audits of API models do not have

    def skips(self, audit: ResolvedAudit) -> list[str]:
        """One warning per model the signal leaves out for want of weights."""
        return [needs_weights(self.name, m) for m, _ in audit.subjects if not is_local(m)]

    def reads_reference(self, reference: AuditedModel) -> bool:
        """Whether this reference's answers are read at all (agreement needs its weights too)."""
        return True

    @abstractmethod
    async def read(self, reading: Reading[PassageSettingsT]) -> Read:
        """Every local subject's evidence on one reference's passages."""

    def plan(self, audit: ResolvedAudit, settings: PassageSettingsT, store: RunStore) -> MethodPlan:
        plan = plan_answers(audit, store, self.name)
        plan.warnings += self.skips(audit)
        return plan

    async def run(
        self, audit: ResolvedAudit, settings: PassageSettingsT, store: RunStore, folder: Path | None, hooks: Hooks
    ) -> MethodRun:
        warnings = self.skips(audit)
        runs: list[ReferenceRun] = []
        for reference in audit.references_for(self.name):
            if not self.reads_reference(reference):
                continue
            answers, first = await collect_answers(audit, store, f"{self.name} answers", reference, hooks.on_result)
            passages = reference_passages(answers)[: settings.max_passages]
            read = await self.read(Reading(audit, settings, store, hooks, reference, passages, not runs, warnings))
            runs.append(ReferenceRun(read.evidence, [*first.usage(), *read.run.usage()], read.run.id, read.raw))
        return finish_reference_runs(runs, folder, self.results_file, warnings)

    def local_subjects(self, audit: ResolvedAudit) -> list[tuple[AuditedModel, Role]]:
        return [(m, r) for m, r in audit.subjects if is_local(m)]

    def left_out(self, audit: ResolvedAudit) -> list[str]:
        """The subjects' labels a results file names as left out (no local weights)."""
        return [m.label for m, _ in audit.subjects if not is_local(m)]


def passage_measure(
    name: str, scored: list[tuple[Passage, float]], scale: str, closer: Literal["higher", "lower"] = "higher"
) -> tuple[Measure, ItemValues]:
    """A per-passage signal as a measure (mean over domains, each domain's prompts averaged, with a
    stratified bootstrap interval) and its item values, paired by prompt across models."""
    by_domain: dict[str, list[float]] = {}
    for passage, value in scored:
        by_domain.setdefault(passage.domain, []).append(value)
    estimate = stratified_bootstrap_mean_of_means(list(by_domain.values()))
    measure = Measure(
        name=name, value=estimate.value, low=estimate.low, high=estimate.high, n=estimate.n, scale=scale, closer=closer
    )
    ids, values, groups = [p.uid for p, _ in scored], [v for _, v in scored], [p.domain for p, _ in scored]
    return measure, ItemValues(signal=name, kind="score", ids=ids, values=values, groups=groups)


def finite(scored: list[tuple[Passage, float]]) -> list[tuple[Passage, float]]:
    return [(p, v) for p, v in scored if not math.isnan(v)]
