"""The loop that text signals share: for each reference in turn, score its answers, keep the scores.

The classifier, the style markers and proximity all read the answers the audit collects once, on one
tokenised table, and measure every subject against each reference (the audit's, then each candidate
teacher's). What differs is how one reference is scored and what its numbers are called; the rest
is here, once: collecting the answers, the shared table, work built once on first need (embeddings,
n-grams) and only if some scores are not kept already, the store's keeping of the scores, evidence
for every reference and the method's own results for the first.

    class MyMethod(PerReference[MySettings], MethodPresenter):
        def score(self, job): ...          # one reference's scores (kept in the store)
        def evidence(self, job, scores): ...
        def results(self, job, scores, evidence): ...   # the first reference's own results
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic

from pydantic import BaseModel

from distillscope.audit.evidence import Evidence
from distillscope.audit.kept import answers_material, kept
from distillscope.audit.method import (
    Audit,
    AuditMethod,
    Hooks,
    MethodPlan,
    MethodRun,
    ReferenceRun,
    SettingsT,
    finish_reference_runs,
)
from distillscope.audit.resolve import AuditedModel
from distillscope.audit.responses import Answers, all_answers, plan_answers, shared_table
from distillscope.audit.texts import TextTable
from distillscope.models.run import Run
from distillscope.store import RunStore


@dataclass
class ReferenceJob(Generic[SettingsT]):
    """One reference's turn: its answers, the shared table and what the method builds once for all."""

    reference: AuditedModel
    answers: Answers
    run: Run
    table: TextTable
    settings: SettingsT
    store: RunStore
    hooks: Hooks
    first: bool  # the audit's own reference: the one whose results the report shows
    ceiling: bool  # whether the answers hold the reference's second sample
    everyone: list[Answers]  # every reference's answers: what the shared work is built on
    shared: Callable[[], Any] = field(repr=False)  # the method's `shared_work`, built on first call

    @property
    def label(self) -> str:
        return self.reference.label


class PerReference(AuditMethod[SettingsT]):
    """A method scored against each reference in turn, on the answers the audit collects once."""

    scores_version: ClassVar[int]  # bump when the scores' computation changes: kept scores are not reused
    needs_panel = True  # each reference is told from the null panel's answers

    def plan(self, audit: Audit, settings: SettingsT, store: RunStore) -> MethodPlan:
        return plan_answers(audit, store, self.name)

    def wants_ceiling(self, audit: Audit, settings: SettingsT) -> bool:
        """Whether to read the reference's second sample too (a signal with a ceiling of its own)."""
        return False

    def shared_work(self, job: ReferenceJob[SettingsT]) -> Any:
        """What every reference's scoring needs (embeddings, a learner): built once, and only if needed."""
        return None

    def extra_material(self, job: ReferenceJob[SettingsT]) -> dict[str, Any]:
        """What, beyond the settings and the answers, the kept scores depend on."""
        return {}

    @abstractmethod
    def score(self, job: ReferenceJob[SettingsT]) -> Any:
        """One reference's scores, as plain data the store keeps."""

    @abstractmethod
    def evidence(self, job: ReferenceJob[SettingsT], scores: Any) -> list[Evidence]:
        """Every subject's evidence against this reference."""

    @abstractmethod
    def results(self, job: ReferenceJob[SettingsT], scores: Any, evidence: list[Evidence]) -> BaseModel | None:
        """The method's own results file and report section: made for the first reference only."""

    async def run(
        self, audit: Audit, settings: SettingsT, store: RunStore, folder: Path | None, hooks: Hooks
    ) -> MethodRun:
        ceiling = self.wants_ceiling(audit, settings)
        collected = await all_answers(audit, store, self.name, hooks, ceiling=ceiling)
        everyone = [answers for _, answers, _ in collected]
        table = shared_table(audit, everyone)
        built: dict[str, Any] = {}
        runs: list[ReferenceRun] = []
        for reference, answers, run in collected:
            job: ReferenceJob[SettingsT] = ReferenceJob(
                reference, answers, run, table, settings, store, hooks, not runs, ceiling, everyone, lambda: None
            )
            job.shared = _once(built, lambda job=job: self.shared_work(job))
            material = {"settings": settings.model_dump(mode="json"), "answers": answers_material(answers)}
            scores = kept(
                store, self.name, self.scores_version, {**material, **self.extra_material(job)}, _bound(self.score, job)
            )
            found = self.evidence(job, scores)
            runs.append(
                ReferenceRun(found, run.usage(), run.id, self.results(job, scores, found) if job.first else None)
            )
        return finish_reference_runs(runs, folder, self.results_file)


def _once(built: dict[str, Any], make: Callable[[], Any]) -> Callable[[], Any]:
    def get() -> Any:
        if "value" not in built:
            built["value"] = make()
        return built["value"]

    return get


def _bound(score: Callable[[ReferenceJob], Any], job: ReferenceJob) -> Callable[[], Any]:
    return lambda: score(job)
