"""The teacher classifier as an audit method: evidence, per candidate teacher, for attribution.

With candidate teachers (`candidates:`), attribution needs a signal per candidate that is read on
one scale: for each candidate, every subject's probability that this candidate, rather than one of
the others, wrote its answers (`model.py`), with that candidate's own held-out answers as its
ceiling and the panel's probabilities as its null. The verdict's attribution reads this method's
evidence when it ran (`verdict/attribution.py`); it casts no vote in the verdict itself, which asks
about the reference against unrelated models, not against the other candidates.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from distillscope.audit.crossfit import CEILING, evidence_from_scores
from distillscope.audit.kept import answers_material, kept
from distillscope.audit.method import AuditMethod, Hooks, MethodPlan, MethodRun, ReferenceRun, finish_reference_runs
from distillscope.audit.method_settings import EncoderSettings, LogisticSettings
from distillscope.audit.present import MethodPresenter, ReportSection
from distillscope.audit.resolve import ResolvedAudit
from distillscope.audit.responses import all_answers, plan_answers, shared_table, table_embeddings
from distillscope.audit.tables import Cell, Table, num
from distillscope.audit.teachers.model import teacher_probabilities
from distillscope.store import RunStore

if TYPE_CHECKING:
    from distillscope.audit.results import AuditResults

SIGNAL = "p_teacher"
SCORES_VERSION = 2  # bump when the scores' computation changes: kept scores of another version are not reused


class TeacherSettings(LogisticSettings, EncoderSettings):
    """The `teachers:` section of an audit."""


class TeacherRow(BaseModel):
    label: str
    role: str
    means: dict[str, float | None] = Field(description="Mean probability of each teacher, by teacher label.")


class TeacherResults(BaseModel):
    kind: Literal["teachers"] = "teachers"
    teachers: list[str]
    rows: list[TeacherRow]


class TeacherMethod(AuditMethod[TeacherSettings], MethodPresenter):
    name, title, short, rank = "teachers", "Teacher classifier (attribution)", "TCH", 35
    needs_panel, needs_candidates, votes_by_default = True, True, False
    results_type = TeacherResults

    def plan(self, audit: ResolvedAudit, settings: TeacherSettings, store: RunStore) -> MethodPlan:
        return plan_answers(audit, store, self.name)

    async def run(
        self, audit: ResolvedAudit, settings: TeacherSettings, store: RunStore, folder: Path | None, hooks: Hooks
    ) -> MethodRun:
        collected = await all_answers(audit, store, "teachers", hooks)
        table = shared_table(audit, [answers for _, answers, _ in collected])
        subjects = collected[0][1].subjects
        teachers = [(reference.model, answers.reference) for reference, answers, _ in collected]

        def compute() -> dict:
            embeddings = table_embeddings(table, settings.embedding_model, store, hooks, self.name)
            hooks.stage(f"teachers: {len(collected)} teachers, cross-fitted")
            subject_texts = [(s.model, s.texts) for s in subjects]
            folds, c, seed = settings.folds, settings.c, settings.seed
            return teacher_probabilities(table, teachers, subject_texts, embeddings, folds, c, seed)

        material = {
            "settings": settings.model_dump(mode="json"),
            "answers": [answers_material(answers) for _, answers, _ in collected],
        }
        found = kept(store, self.name, SCORES_VERSION, material, compute)
        runs: list[ReferenceRun] = []
        for reference, answers, run in collected:
            scores = dict(found[reference.model])
            scores[CEILING] = scores.pop(f"teacher:{reference.model}", {})
            evidence = evidence_from_scores(
                self.name,
                SIGNAL,
                f"P({reference.label} rather than the other candidates wrote it), 0–1",
                scores,
                answers,
                (reference.model, reference.label),
            )
            raw = _results(collected, found) if not runs else None
            runs.append(ReferenceRun(evidence, run.usage(), run.id, raw))
        return finish_reference_runs(runs, folder, self.results_file)

    def cli_tables(self, raw: TeacherResults, labels: dict[str, str]) -> list[Table]:
        return [_table(raw)]

    def report_section(self, results: AuditResults, labels: dict[str, str]) -> ReportSection:
        return ReportSection(tables=[_table(results.raw[self.name])])


def _results(collected: list, found: dict[str, dict[str, dict[str, float]]]) -> TeacherResults:
    labels = {reference.model: reference.label for reference, _, _ in collected}
    subjects = collected[0][1].subjects
    rows = [
        TeacherRow(label=s.label, role=s.role, means={labels[t]: _mean(found[t].get(s.model)) for t in labels})
        for s in subjects
    ]
    rows += [
        TeacherRow(
            label=labels[own], role="teacher", means={labels[t]: _mean(found[t].get(f"teacher:{own}")) for t in labels}
        )
        for own in labels
    ]
    return TeacherResults(teachers=list(labels.values()), rows=rows)


def _mean(values: dict[str, float] | None) -> float | None:
    return sum(values.values()) / len(values) if values else None


def _table(raw: TeacherResults) -> Table:
    rows = [
        [Cell(r.label, r.role if r.role != "target" else ""), *(Cell(num(r.means.get(t))) for t in raw.teachers)]
        for r in raw.rows
    ]
    return Table(
        "Teacher classifier: which candidate wrote each model's answers",
        ["model", *raw.teachers],
        rows,
        caption="Mean probability of each candidate teacher, from a classifier of the candidates' own answers to "
        "other prompts (cross-fitted). The panel's means are each teacher's null; a teacher's own row is its "
        "ceiling. Attribution reads these against the panel (the verdict table's 'closest teacher').",
    )


TEACHER_METHOD = TeacherMethod()
