"""White-box agreement: next-token distributions and hidden representations beside the reference's.

When the reference's weights are local too, two more signals read the models from inside, on the
same contexts (each prompt followed by the reference's answer):

- agreement of next-token distributions: KL(reference ‖ model) per position, on the reference's
  top-k tokens plus one bin for the rest (the model's mass on a token outside its own top-k is its
  remaining mass spread evenly), and the share of positions where both put the same token first.
  These need the same tokenizer; with another one they are left out with a warning;
- similarity of representations: linear CKA (as REEF uses) between the two models' mean-pooled
  last hidden states over the answers. Per answer, the item's value is the correlation of the two
  centred Gram rows, whose mean tracks CKA; CKA compares models of any width and tokenizer.

Each model's per-answer numbers are stored in the run store's state, so a rerun recomputes nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from distillscope.audit.evidence import Evidence, Role
from distillscope.audit.method_settings import PassageSettings
from distillscope.audit.present import MethodPresenter, ReportSection
from distillscope.audit.resolve import AuditedModel, ResolvedAudit
from distillscope.audit.tables import Cell, Table, interval, num
from distillscope.audit.whitebox.local import Passage, is_local
from distillscope.audit.whitebox.method import Read, Reading, WhiteBoxMethod, finite, passage_measure
from distillscope.models.base import ScoringModel, TopKLogprobs
from distillscope.models.run import Run
from distillscope.store import RunStore

if TYPE_CHECKING:
    from distillscope.audit.results import AuditResults

STATE = "whitebox-agreement"
SIGNALS = {
    "kl": ("KL(reference ‖ model) per token, top-k binned, nats", "lower"),
    "top1": ("share of positions with the same most likely next token", "higher"),
    "cka": ("representation similarity (centred Gram row correlation; linear CKA beside it)", "higher"),
}


class AgreementSettings(PassageSettings):
    """The `agreement:` section of an audit."""

    k: int = Field(32, ge=1, le=256, description="Top tokens per position compared for KL and top-1.")


class AgreementRow(BaseModel):
    label: str
    role: str
    measures: dict[str, tuple[float | None, float | None, float | None]]  # name → (value, low, high)
    cka: float | None = None


class AgreementResults(BaseModel):
    kind: Literal["agreement"] = "agreement"
    reference: str
    rows: list[AgreementRow]
    skipped: list[str] = Field(default_factory=list)


class AgreementMethod(WhiteBoxMethod[AgreementSettings], MethodPresenter):
    name, title, short, rank = "agreement", "White-box agreement and representations", "WB", 60
    results_type = AgreementResults

    def skips(self, audit: ResolvedAudit) -> list[str]:
        if not is_local(audit.reference):
            return [
                f"agreement: the reference {audit.reference.label} is not a local model ({audit.reference.spec}); "
                "comparing next-token distributions and representations needs its weights, so this signal is left out"
            ]
        return super().skips(audit)

    def reads_reference(self, reference: AuditedModel) -> bool:
        return is_local(reference)

    async def read(self, reading: Reading[AgreementSettings]) -> Read:
        reference, passages, store = reading.reference, reading.passages, reading.store
        subjects = self.local_subjects(reading.audit)
        reading.hooks.stage(f"agreement: {len(subjects)} models beside {reference.label}")
        async with Run(store, "agreement", {"reference": reference.model}, reading.audit.catalog) as run:
            ref_model = run.model(reference.model).scoring
            assert ref_model is not None
            ref_pooled = await _pooled(ref_model, passages)
            found, rows = [], []
            for model, role in subjects:
                scorer = run.model(model.model).scoring
                assert scorer is not None
                values = await _compare(store, ref_model, scorer, passages, ref_pooled, reading.settings.k)
                if values.get("same_tokenizer") is False and reading.first:
                    reading.warnings.append(f"agreement: {model.label} has another tokenizer; KL and top-1 left out")
                e, row = _evidence(values, model, role, reference.model, passages)
                found.append(e)
                rows.append(row)
        raw = None
        if reading.first:
            raw = AgreementResults(reference=reference.label, rows=rows, skipped=self.left_out(reading.audit))
        return Read(found, raw, run)

    def verdict_signals(self, evidence: Evidence) -> list[str]:
        return [m.name for m in evidence.measures if m.value is not None]

    def cli_tables(self, raw: AgreementResults, labels: dict[str, str]) -> list[Table]:
        return [_table(raw)] if raw is not None else []

    def report_section(self, results: AuditResults, labels: dict[str, str]) -> ReportSection:
        raw = results.raw.get(self.name)
        return ReportSection(tables=[_table(raw)] if raw is not None else [])


# ------------------------------------------------------------------------------------------ numbers
async def _pooled(model: ScoringModel, passages: Sequence[Passage]) -> np.ndarray:
    """Mean last-layer hidden state per answer: [passages, hidden]."""
    states = await model.hidden_states([p.text for p in passages], layers=[-1])
    return np.vstack([s[0].mean(axis=0) for s in states])


def _state_key(reference: ScoringModel, model: ScoringModel, passages: Sequence[Passage], k: int) -> str:
    material = json.dumps(
        [getattr(reference, "identity", {}), getattr(model, "identity", {}), k, [p.text for p in passages]],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


async def _compare(
    store: RunStore,
    reference: ScoringModel,
    model: ScoringModel,
    passages: Sequence[Passage],
    ref_pooled: np.ndarray,
    k: int,
) -> dict[str, Any]:
    key = _state_key(reference, model, passages, k)
    saved = store.get_state(STATE, key)
    if saved is not None:
        return saved
    texts = [p.text for p in passages]
    same = getattr(reference, "tokenizer", None) is not None and _vocab(reference) == _vocab(model)
    values: dict[str, Any] = {"same_tokenizer": same}
    if same:
        contexts = [reference.chat_prompt(p.messages) for p in passages]
        ref_top = await reference.top_k_logprobs(texts, k, contexts)
        own_top = await model.top_k_logprobs(texts, k, contexts)
        vocab = len(_vocab(reference))
        values["kl"] = [_binned_kl(a, b, vocab) for a, b in zip(ref_top, own_top, strict=True)]
        values["top1"] = [_top1(a, b) for a, b in zip(ref_top, own_top, strict=True)]
    own_pooled = await _pooled(model, passages)
    values["cka"] = gram_row_correlations(ref_pooled, own_pooled).tolist()
    values["cka_global"] = linear_cka(ref_pooled, own_pooled)
    store.put_state(STATE, key, values)
    return values


def _vocab(model: ScoringModel) -> dict[str, int]:
    return dict(getattr(model, "tokenizer").get_vocab())  # noqa: B009 - every local model has one


def _binned_kl(reference: TopKLogprobs, model: TopKLogprobs, vocab: int) -> float:
    """Mean over positions of KL(reference ‖ model) on the reference's top-k tokens and a rest bin."""
    kls = []
    k = reference.ids.shape[1]
    for t in np.flatnonzero(reference.valid & model.valid):
        p = np.exp(reference.logprobs[t])
        own = dict(zip(model.ids[t].tolist(), np.exp(model.logprobs[t]).tolist(), strict=True))
        own_rest = max(1e-12, 1.0 - sum(own.values()))
        spread = own_rest / max(1, vocab - k)
        q = np.asarray([own.get(int(i), spread) for i in reference.ids[t]])
        p_rest, q_rest = max(1e-12, 1.0 - p.sum()), max(1e-12, 1.0 - q.sum())
        kls.append(
            float(
                np.sum(p * (np.log(np.maximum(p, 1e-12)) - np.log(np.maximum(q, 1e-12))))
                + p_rest * (math.log(p_rest) - math.log(q_rest))
            )
        )
    return float(np.mean(kls)) if kls else math.nan


def _top1(reference: TopKLogprobs, model: TopKLogprobs) -> float:
    valid = reference.valid & model.valid
    return float(np.mean(reference.ids[valid, 0] == model.ids[valid, 0])) if valid.any() else math.nan


def _centred_gram(x: np.ndarray) -> np.ndarray:
    x = x - x.mean(axis=0, keepdims=True)
    gram = x @ x.T
    n = gram.shape[0]
    h = np.eye(n) - np.ones((n, n)) / n
    return h @ gram @ h


def linear_cka(x: np.ndarray, y: np.ndarray) -> float:
    """Linear CKA between two sets of representations of the same inputs (rows)."""
    k, l_ = _centred_gram(x), _centred_gram(y)
    denominator = math.sqrt(float(np.sum(k * k)) * float(np.sum(l_ * l_)))
    return float(np.sum(k * l_) / denominator) if denominator > 0 else math.nan


def gram_row_correlations(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per input: how alike its similarities to every other input are in the two representations."""
    k, l_ = _centred_gram(x), _centred_gram(y)
    out = []
    for i in range(k.shape[0]):
        a, b = np.delete(k[i], i), np.delete(l_[i], i)
        out.append(float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else 0.0)
    return np.asarray(out)


# ----------------------------------------------------------------------------------------- evidence
def _evidence(
    values: dict[str, Any], model: AuditedModel, role: Role, reference: str, passages: Sequence[Passage]
) -> tuple[Evidence, AgreementRow]:
    measures, items, shown = [], [], {}
    for name, (scale, closer) in SIGNALS.items():
        per_item = values.get(name)
        if per_item is None:
            continue
        measure, values_by_item = passage_measure(
            name,
            finite(list(zip(passages, per_item, strict=True))),
            scale,
            closer,  # type: ignore[arg-type]
        )
        measures.append(measure)
        items.append(values_by_item)
        shown[name] = (measure.value, measure.low, measure.high)
    evidence = Evidence(
        method="agreement",
        model=model.model,
        label=model.label,
        role=role,
        reference=reference,
        measures=measures,
        items=items,
        headline="cka" if "kl" not in shown else "kl",
    )
    return evidence, AgreementRow(label=model.label, role=role, measures=shown, cka=values.get("cka_global"))


def _table(raw: AgreementResults) -> Table:
    names = list(SIGNALS)
    rows = []
    for r in raw.rows:
        cells = [Cell(r.label, r.role if r.role != "target" else "")]
        for name in names:
            value = r.measures.get(name)
            cells.append(Cell(num(value[0]), interval(value[1], value[2])) if value else Cell("–"))
        cells.append(Cell(num(r.cka)))
        rows.append(cells)
    caption = (
        "On the reference's answers: KL(reference ‖ model) per token on the reference's top-k tokens (lower: closer), "
        "the share of positions with the same top token, and the representation similarity of mean-pooled last "
        "hidden states (per answer; linear CKA over all answers in the last column). Means over prompts with "
        "bootstrap 95% intervals."
    )
    if raw.skipped:
        caption += f" Left out (no local weights): {', '.join(raw.skipped)}."
    return Table(
        f"White-box agreement with {raw.reference}",
        ["model", "KL", "top-1 agreement", "representation", "CKA"],
        rows,
        caption=caption,
    )


AGREEMENT_METHOD = AgreementMethod()
