"""Judges for an RSE run, and the pairs they judge.

A pair is one non-reference response (target, ceiling or floor; one per sample) beside the
reference's response to the same prompt. A pair whose either response failed is not judged and is
counted as missing. Judges are built from the job's specs; an LLM judge of the reference's own
family earns a warning, since the paper's authors note such a judge may prefer its own outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from distillscope.audit.rse.job import RSEJob
from distillscope.audit.rse.prompts import RSEItem
from distillscope.audit.rse.responses import ModelGetter, Respondent, ResponseKey, ResponseRecord
from distillscope.audit.rse.results import JudgeInfo, Role
from distillscope.judges.similarity.base import ResponsePair, SimilarityJudge
from distillscope.judges.similarity.embedding import EmbeddingJudge
from distillscope.judges.similarity.llm import LLMSimilarityJudge, self_preference_warning
from distillscope.judges.similarity.registry import JudgeOptions, build_judge
from distillscope.judges.similarity.style import StyleJudge
from distillscope.store import RunStore


@dataclass
class PairRef:
    """A pair and where it belongs in the tables."""

    role: Role
    label: str
    domain: str
    uid: str
    sample_index: int
    pair: ResponsePair

    @property
    def key(self) -> ResponseKey:
        return (self.role, self.label, self.uid, self.sample_index)


@dataclass
class BuiltJudges:
    judges: list[SimilarityJudge]
    infos: list[JudgeInfo]
    warnings: list[str]


def build_judges(
    job: RSEJob, get_model: ModelGetter, reference_spec: str, store: RunStore | None = None
) -> BuiltJudges:
    judges: list[SimilarityJudge] = []
    infos: list[JudgeInfo] = []
    warnings: list[str] = []
    options = JudgeOptions(
        get_model=get_model,
        judge_params=job.judge_params,
        retries=job.judge_retries,
        both_orders=job.both_orders,
        signature_words=job.signature_words,
        catalog_names=tuple(job.models.root),
        store=store,
    )
    for spec in job.judge_specs():
        judge = build_judge(spec, options)
        if any(existing.name == judge.name for existing in judges):
            continue
        model_name = None
        if isinstance(judge, LLMSimilarityJudge):
            judge_spec = judge.model.backend.config.spec
            model_name = judge_spec
            warning = self_preference_warning(judge_spec, reference_spec)
            if warning is not None:
                warnings.append(warning)
        elif isinstance(judge, EmbeddingJudge):
            model_name = judge.model_name
        judges.append(judge)
        infos.append(JudgeInfo(name=judge.name, kind=spec.kind, scale=judge.scale, model=model_name))
    return BuiltJudges(judges, infos, warnings)


def build_pairs(
    respondents: Sequence[Respondent], items: Sequence[RSEItem], records: dict[ResponseKey, ResponseRecord]
) -> list[PairRef]:
    reference = next(r for r in respondents if r.role == "reference")
    pairs = []
    for item in items:
        ref_record = records.get(("reference", reference.label, item.uid, 0))
        if ref_record is None or ref_record.text is None:
            continue
        for respondent in respondents:
            if respondent.role == "reference":
                continue
            for index in respondent.sample_indices:
                record = records.get((respondent.role, respondent.label, item.uid, index))
                if record is None or record.text is None:
                    continue
                pair = ResponsePair(messages=item.messages, reference=ref_record.text, target=record.text, id=item.uid)
                pairs.append(PairRef(respondent.role, respondent.label, item.domain, item.uid, index, pair))
    return pairs


def fit_style_judges(judges: Sequence[SimilarityJudge], pairs: Sequence[PairRef]) -> list[str]:
    """Learn the reference's signature words against the other models' responses; returns warnings."""
    warnings = []
    references = list({p.uid: p.pair.reference for p in pairs}.values())
    background = [p.pair.target for p in pairs if p.role in ("target", "floor")]
    others = {p.label for p in pairs if p.role in ("target", "floor")}
    for judge in judges:
        if isinstance(judge, StyleJudge) and judge.configured is None:
            judge.fit(references, background)
            if len(others) < 2:
                warnings.append(
                    "style judge: signature words were learned against one other model only, which biases the "
                    "signature component against it; set signature_words or add targets or a floor"
                )
    return warnings
