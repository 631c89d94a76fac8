"""The responses every text signal reads: each model's answers to the audit's prompts, asked once.

RSE, the idiosyncrasy classifier, the style profile and the proximity signal all look at the same
thing: how the reference (and RSE's second sample of it, the ceiling), every target and every
panel model answer the same prompts. They ask for them the same way (the `rse:` section's prompts
and sampling, through the run store), so the requests are identical and each is made once,
whichever method asks first; and the texts are tokenised once per audit (`shared_table`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from distillscope.audit.evidence import Role
from distillscope.audit.method import Hooks, MethodPlan
from distillscope.audit.resolve import AuditedModel, ResolvedAudit
from distillscope.audit.rse.job import RSEJob, RSESettings
from distillscope.audit.rse.plan import plan_rse
from distillscope.audit.rse.prompts import RSEItem, load_rse_items
from distillscope.audit.rse.responses import build_respondents, collect_responses
from distillscope.audit.texts import TextTable
from distillscope.models.run import Run
from distillscope.store import RunStore


@dataclass
class ModelAnswers:
    model: str  # as the audit named it
    label: str
    role: Role  # target, panel, or ceiling (the reference's second sample)
    texts: dict[str, str]  # item uid → response (failed calls are missing)


@dataclass
class Answers:
    items: list[RSEItem]
    reference: dict[str, str]  # the reference's first sample: what the others are compared with
    ceiling: ModelAnswers | None  # its second sample, when asked for: what a perfect copy would look like
    subjects: list[ModelAnswers]  # the targets, then the panel

    def of(self, role: Role) -> list[ModelAnswers]:
        owners = [self.ceiling, *self.subjects] if self.ceiling is not None else self.subjects
        return [a for a in owners if a.role == role]

    @property
    def domains(self) -> dict[str, str]:
        return {item.uid: item.domain for item in self.items}


def response_settings(audit: ResolvedAudit) -> RSESettings:
    """The prompts and sampling the text signals share: the audit's `rse:` section."""
    return audit.job.section("rse")  # type: ignore[return-value]


async def collect_answers(
    audit: ResolvedAudit,
    store: RunStore,
    command: str,
    reference: AuditedModel | None = None,
    on_result: Callable[[object], None] | None = None,
    ceiling: bool = False,
    on_start: Callable[[int], None] | None = None,
) -> tuple[Answers, Run]:
    """Every subject's answers and the reference's through the store, and the run; with `ceiling`, also
    a second sample of the reference. The learned signals need none (their ceiling is the reference's
    own held-out answers), so recorded answers with one per prompt serve them."""
    reference = reference or audit.reference
    settings = response_settings(audit).model_copy(update={"ceiling": ceiling, "samples": 1})
    job = RSEJob.of(
        settings,
        reference=reference.model,
        targets=[model.model for model, _ in audit.subjects],
        models=audit.catalog,
        output=None,
    )
    items = load_rse_items(job)
    async with Run(store, command, {"reference": reference.model}, audit.catalog) as run:
        respondents = build_respondents(job, run.model)
        if on_start is not None:
            on_start(sum(len(r.requests(items)) for r in respondents))
        records = await collect_responses(respondents, items, on_result=on_result)
    by_role: dict[tuple[str, str], dict[str, str]] = {}
    for record in records.values():
        if record.text is not None:
            by_role.setdefault((record.role, record.label), {})[record.uid] = record.text
    own = respondents[0].label
    second = ModelAnswers(reference.model, reference.label, "ceiling", by_role.get(("ceiling", own), {}))
    labels = [r.label for r in respondents if r.role == "target"]
    subjects = [
        ModelAnswers(model.model, model.label, role, by_role.get(("target", label), {}))
        for (model, role), label in zip(audit.subjects, labels, strict=True)
    ]
    return Answers(items, by_role.get(("reference", own), {}), second if ceiling else None, subjects), run


def plan_answers(audit: ResolvedAudit, store: RunStore, method: str) -> MethodPlan:
    """A text signal's dry run: nothing of its own when RSE asks the same questions, else RSE's answers."""
    if "rse" in audit.job.selected_methods():
        return MethodPlan(calls=[], lines=[f"{method}: reads the answers RSE collects; no calls of its own"])
    from distillscope.audit.rse.method import RSE_METHOD

    seen: set[str] = set()
    settings = response_settings(audit)
    references = audit.references_for(method)
    plans = [plan_rse(RSE_METHOD.job_for(audit, settings, None, r), store, seen) for r in references]
    calls = [c for p in plans for c in p.plans if "responses" in c.role]
    return MethodPlan(calls=calls, lines=[f"{method}: the answers to the rse: section's prompts"])


def shared_table(audit: ResolvedAudit, answers: Iterable[Answers]) -> TextTable:
    """One table of every answer the audit's text signals read, tokenised once and kept for the audit.

    Built from the answers of every reference (the audit's and each candidate's) so that all methods,
    against all references, slice the same matrices; built anew only if a text is missing from it."""
    texts = [t for a in answers for t in answer_texts(a)]
    table: TextTable | None = audit.memo.get("texts")
    if table is None or not table.holds(texts):
        # The process's last table, if it holds them all: audits of the same answers one after another (a
        # bench, a notebook) count each text once in all. Nothing downstream depends on the rows it holds
        # beyond the audit's own: every vocabulary and weight is learned from the rows an audit selects.
        table = _LAST_TABLE[0] if _LAST_TABLE and _LAST_TABLE[0].holds(texts) else None
        if table is None:
            table = TextTable(texts, marker_features=marker_features)
            _LAST_TABLE[:] = [table]
        audit.memo["texts"] = table
    return table


def table_embeddings(table: TextTable, model: str, store: RunStore, hooks: Hooks, method: str) -> np.ndarray:
    """The table's sentence embeddings (one row per text) behind a progress bar of the method's name; each
    text is encoded once and kept in the store, so the second method to ask reads them back."""
    from distillscope.judges.similarity.encoding import Encoder

    with hooks.steps(f"{method}: embedding {len(table)} answers", len(table)) as step:
        return table.embeddings(Encoder(model, store), lambda n: step(count=n))


def embedding_material(model: str, embedded: bool) -> dict[str, str]:
    """For a method's kept scores: the encoder behind its embedding features, when it has them (the same
    model encodes in bfloat16 on one CPU and float32 on another)."""
    if not embedded:
        return {}
    from distillscope.judges.similarity.encoding import Encoder

    return {"encoder": Encoder(model).identity}


def table_ngrams(table: TextTable, hooks: Hooks, method: str) -> None:
    """Count the table's word and character n-grams behind a bar of the method's name (once per table)."""
    if not table.counted:
        _counting_bar(table, hooks, f"{method}: counting n-grams", table.count_ngrams)


def table_markers(table: TextTable, hooks: Hooks, method: str) -> None:
    """Count the table's style-profile features behind a bar of the method's name (once per table)."""
    if not table.markers_counted:
        _counting_bar(table, hooks, f"{method}: counting style marks", table.count_markers)


def _counting_bar(table: TextTable, hooks: Hooks, name: str, count: Callable[[Callable[[int], None]], object]) -> None:
    with hooks.steps(f"{name} of {len(table)} answers", len(table)) as step:
        count(lambda n: step(count=n))


def preload_texts(texts: Iterable[str]) -> TextTable:
    """Make one table of all these texts the process's table, for a caller about to audit several subsets
    of one set of answers (panels and targets drawn from one benchmark): each text is then counted once
    for all the audits, not once per audit."""
    table = TextTable(texts, marker_features=marker_features)
    _LAST_TABLE[:] = [table]
    return table


def marker_features(text: str) -> list[str]:
    from distillscope.audit.markers.profile import feature_list

    return feature_list(text)


_LAST_TABLE: list[TextTable] = []


async def all_answers(
    audit: ResolvedAudit, store: RunStore, method: str, hooks: Hooks, ceiling: bool = False
) -> list[tuple[AuditedModel, Answers, Run]]:
    """Each reference's answers (the audit's, then each candidate's, as the method measures against them),
    with the run that collected them; with `ceiling`, the audit's own reference's second sample too."""
    out = []
    for reference in audit.references_for(method):
        hooks.stage(f"{method}: answers" + (f" ({reference.label})" if reference is not audit.reference else ""))
        with_ceiling = ceiling and reference is audit.reference
        answers, run = await collect_answers(
            audit, store, method, reference, hooks.on_result, with_ceiling, hooks.on_start
        )
        out.append((reference, answers, run))
    return out


def answer_texts(answers: Answers) -> list[str]:
    """Every text of these answers: the reference's, each subject's, and the second sample's."""
    owners = [*answers.subjects, *([answers.ceiling] if answers.ceiling is not None else [])]
    return [*answers.reference.values(), *(t for a in owners for t in a.texts.values())]
