"""Every model answers every prompt: the reference, its ceiling sample, the targets and the floor.

All requests go through the run store (`chat_many`), so a rerun is answered from it and a killed
run resumes. The ceiling is a second, independent response of the reference: what a perfect copy
of the reference would score against the reference's own first answer. Greedy responses would make
that trivially identical, so the ceiling is sampled at `ceiling_temperature` when the responses
are greedy, and under a new sample index (and seed) either way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from distillscope.audit.rse.job import ModelRef, RSEJob
from distillscope.audit.rse.prompts import RSEItem
from distillscope.audit.rse.results import Role
from distillscope.models.batch import ChatRequest, ChatResult, chat_many
from distillscope.models.recorded import RecordedModel
from distillscope.models.tasks import gather_fail_fast
from distillscope.models.types import GenerateConfig

ModelGetter = Callable[[ModelRef], RecordedModel]
ResponseKey = tuple[str, str, str, int]  # role, label, item uid, sample index


@dataclass
class Respondent:
    """One model in one role, with the sampling it answers under."""

    role: Role
    label: str
    spec: str
    model: RecordedModel
    config: GenerateConfig
    sample_indices: list[int]

    def config_for(self, sample_index: int) -> GenerateConfig:
        """Sample i of a seeded config uses seed+i, so seeded backends give distinct samples."""
        if self.config.seed is None or sample_index == 0:
            return self.config
        return self.config.model_copy(update={"seed": self.config.seed + sample_index})

    def requests(self, items: Sequence[RSEItem]) -> list[ChatRequest]:
        return [
            ChatRequest(
                messages=item.messages,
                config=self.config_for(index),
                sample_index=index,
                id=item.uid,
                meta={"domain": item.domain, "role": self.role, "label": self.label},
            )
            for item in items
            for index in self.sample_indices
        ]


class ResponseRecord(BaseModel):
    role: Role
    label: str
    uid: str
    domain: str
    sample_index: int
    text: str | None = None
    error: str | None = None
    cached: bool = False

    @property
    def key(self) -> ResponseKey:
        return (self.role, self.label, self.uid, self.sample_index)


def ceiling_config(reference_config: GenerateConfig, temperature: float) -> GenerateConfig:
    if reference_config.temperature:
        return reference_config
    return reference_config.model_copy(update={"temperature": temperature})


def build_respondents(job: RSEJob, get_model: ModelGetter) -> list[Respondent]:
    reference = get_model(job.reference)
    ref_config = job.response_config(reference.backend.config.params)
    ref_spec = reference.backend.config.spec
    out = [Respondent("reference", reference.name, ref_spec, reference, ref_config, [0])]
    if job.ceiling:
        config = ceiling_config(ref_config, job.ceiling_temperature)
        out.append(Respondent("ceiling", reference.name, ref_spec, reference, config, list(range(1, job.samples + 1))))
    labels: set[str] = set()
    for role, refs in (("target", job.targets), ("floor", [job.floor] if job.floor is not None else [])):
        for ref in refs:
            model = get_model(ref)
            label, copy = model.name, 2
            while label in labels:
                label, copy = f"{model.name} #{copy}", copy + 1
            labels.add(label)
            config = job.response_config(model.backend.config.params)
            out.append(
                Respondent(role, label, model.backend.config.spec, model, config, list(range(job.samples)))  # type: ignore[arg-type]
            )
    return out


def record_of(respondent: Respondent, result: ChatResult) -> ResponseRecord:
    request = result.request
    return ResponseRecord(
        role=respondent.role,
        label=respondent.label,
        uid=request.id or "",
        domain=request.meta["domain"],
        sample_index=request.sample_index,
        text=result.output.text if result.output is not None else None,
        error=result.error,
        cached=bool(result.output is not None and result.output.cached),
    )


async def collect_responses(
    respondents: Sequence[Respondent],
    items: Sequence[RSEItem],
    on_result: Callable[[ChatResult], None] | None = None,
    on_record: Callable[[ResponseRecord], None] | None = None,
) -> dict[ResponseKey, ResponseRecord]:
    """All respondents at once; each record is reported as it arrives."""
    records: dict[ResponseKey, ResponseRecord] = {}

    async def answer(respondent: Respondent) -> None:
        def done(result: ChatResult) -> None:
            record = record_of(respondent, result)
            records[record.key] = record
            if on_record is not None:
                on_record(record)
            if on_result is not None:
                on_result(result)

        await chat_many(respondent.model, respondent.requests(items), on_result=done)

    await gather_fail_fast(answer(respondent) for respondent in respondents)
    return records
