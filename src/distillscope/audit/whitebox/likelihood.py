"""White-box likelihood: how probable a target finds the reference's own answers.

A student trained on the reference's text assigns that text more likelihood than an unrelated
model does; no judge can give this evidence. For each prompt, the target reads the reference's
answer after the prompt in its own chat format, and its log-likelihood per character (nats per
character, comparable across tokenizers) is the item's value. The panel's local models give the
null; the reference reading its own answers is the ceiling. Every scoring goes through the run
store, so a rerun scores nothing twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from distillscope.audit.evidence import PANEL_ROLE, Evidence, Role
from distillscope.audit.method_settings import PassageSettings
from distillscope.audit.present import MethodPresenter, ReportSection
from distillscope.audit.resolve import AuditedModel
from distillscope.audit.tables import Cell, Table, interval, num
from distillscope.audit.whitebox.local import Passage, is_local
from distillscope.audit.whitebox.method import Read, Reading, WhiteBoxMethod, passage_measure
from distillscope.models.run import Run
from distillscope.stats import stratified_bootstrap_mean_of_means

if TYPE_CHECKING:
    from distillscope.audit.results import AuditResults

SIGNAL = "loglik_per_char"


class LikelihoodSettings(PassageSettings):
    """The `likelihood:` section of an audit."""


class LikelihoodRow(BaseModel):
    label: str
    role: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    gap: tuple[float, float, float] | None = Field(
        None, description="Above the panel's mean on the same answers: value, 95% interval (paired bootstrap)."
    )


class LikelihoodResults(BaseModel):
    kind: Literal["likelihood"] = "likelihood"
    reference: str
    run_id: str | None
    rows: list[LikelihoodRow]
    skipped: list[str] = Field(default_factory=list)


class LikelihoodMethod(WhiteBoxMethod[LikelihoodSettings], MethodPresenter):
    name, title, short, rank = "likelihood", "White-box likelihood of the reference's answers", "LIK", 50
    results_type = LikelihoodResults

    async def read(self, reading: Reading[LikelihoodSettings]) -> Read:
        reference, passages, audit = reading.reference, reading.passages, reading.audit
        readers = self.local_subjects(audit)
        if is_local(reference):
            readers.append((reference, "ceiling"))
        reading.hooks.stage(f"likelihood: {len(readers)} models read {len(passages)} answers of {reference.label}")
        async with Run(reading.store, "likelihood", {"reference": reference.model}, audit.catalog) as run:
            found = [await _read(run, model, role, passages, reference.model) for model, role in readers]
        raw = None
        if reading.first:
            rows = [_row(e, found) for e in found]
            raw = LikelihoodResults(reference=reference.label, run_id=run.id, rows=rows, skipped=self.left_out(audit))
        return Read(found, raw, run)

    def cli_tables(self, raw: LikelihoodResults, labels: dict[str, str]) -> list[Table]:
        return [_table(raw)]

    def report_section(self, results: AuditResults, labels: dict[str, str]) -> ReportSection:
        return ReportSection(tables=[_table(results.raw[self.name])])


async def _read(run: Run, model: AuditedModel, role: Role, passages: list[Passage], reference: str) -> Evidence:
    recorded = run.model(model.model)
    scorer = recorded.scoring
    assert scorer is not None  # only local models are read
    contexts = [scorer.chat_prompt(p.messages) for p in passages]
    scores = await recorded.token_logprobs([p.text for p in passages], contexts)
    values = [s.total / max(1, len(p.text)) for s, p in zip(scores, passages, strict=True)]
    scale = "log-likelihood of the reference's answers, nats per character"
    measure, items = passage_measure(SIGNAL, list(zip(passages, values, strict=True)), scale)
    return Evidence(
        method="likelihood",
        model=model.model,
        label=model.label,
        role=role,
        reference=reference,
        measures=[measure],
        items=[items],
        headline=SIGNAL,
    )


def _row(evidence: Evidence, everyone: list[Evidence]) -> LikelihoodRow:
    m = evidence.measures[0]
    row = LikelihoodRow(label=evidence.label, role=evidence.role, value=m.value, low=m.low, high=m.high, n=m.n)
    panel = [e.items[0].by_id() for e in everyone if e.role == PANEL_ROLE and e is not evidence]
    if not panel:
        return row
    by_domain: dict[str, list[float]] = {}
    own = evidence.items[0]
    for uid, value, domain in zip(own.ids, own.values, own.groups, strict=True):
        others = [p[uid] for p in panel if uid in p]
        if others:
            by_domain.setdefault(domain, []).append(value - sum(others) / len(others))
    gap = stratified_bootstrap_mean_of_means(list(by_domain.values()))
    if gap.n:
        row.gap = (gap.value, gap.low, gap.high)
    return row


def _table(raw: LikelihoodResults) -> Table:
    rows = [
        [
            Cell(r.label, r.role if r.role != "target" else ""),
            Cell(num(r.value), interval(r.low, r.high), f"n={r.n}"),
            Cell(f"{r.gap[0]:+.3f}", interval(r.gap[1], r.gap[2])) if r.gap else Cell("–"),
        ]
        for r in raw.rows
    ]
    caption = (
        "Each model's log-likelihood of the reference's answers (after the prompt, in the model's own chat format), "
        "in nats per character; higher: the answers are more the model's own. Mean over prompts with a bootstrap "
        "95% interval; the gap is over the panel's mean on the same answers (the other panel models, for a panel "
        "model), with a paired bootstrap interval. The ceiling is the reference reading its own answers."
    )
    if raw.skipped:
        caption += f" Left out (no local weights): {', '.join(raw.skipped)}."
    return Table(
        f"White-box likelihood of {raw.reference}'s answers",
        ["model", "nats per character", "gap over the panel"],
        rows,
        caption=caption,
    )


LIKELIHOOD_METHOD = LikelihoodMethod()
