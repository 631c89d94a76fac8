"""`--dry-run`: the calls an RSE run would make, how many the store already holds, and their cost.

Nothing is called. Models are built (so a missing key or folder shows now, not an hour in) and
every request's store key is looked up. A judge call can only be looked up once both responses it
compares are in the store; until then it is counted as new, its prompt estimated with both
responses at their token limit. Identical requests (a deterministic reference's ceiling pair looks
the same in both orders) are one call, as the store makes them. Retries of unreadable judge replies
are not planned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from distillscope.audit.rse.job import RSEJob
from distillscope.audit.rse.judging import build_judges
from distillscope.audit.rse.prompts import load_rse_items
from distillscope.audit.rse.responses import Respondent, build_respondents
from distillscope.audit.rse.runner import sampling_warnings
from distillscope.judges.similarity.base import ResponsePair
from distillscope.judges.similarity.llm import LLMSimilarityJudge
from distillscope.models.plan import CallPlan, message_text, total_cost
from distillscope.models.recorded import RecordedModel
from distillscope.models.spec import get_model
from distillscope.models.types import GenerateConfig, Message
from distillscope.store import RunStore


@dataclass
class RSEPlan:
    domains: dict[str, int]
    plans: list[CallPlan]
    judges: list[str]
    pairs: int
    warnings: list[str] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return sum(p.calls for p in self.plans)

    @property
    def cached(self) -> int:
        return sum(p.cached for p in self.plans)

    @property
    def cost_usd(self) -> float | None:
        return total_cost(self.plans)


def stored_text(model: RecordedModel, messages: list[Message], config: GenerateConfig, index: int) -> str | None:
    output = model.stored(messages, config, index)
    return None if output is None else output.text


def plan_rse(job: RSEJob, store: RunStore, seen: set[str] | None = None) -> RSEPlan:
    """`seen` is shared by plans of one audit, so a request two of them make is counted once."""
    items = load_rse_items(job)
    models: dict[str, RecordedModel] = {}

    def recorded(ref: Any) -> RecordedModel:
        key = ref if isinstance(ref, str) else ref.model_dump_json()
        if key not in models:
            models[key] = RecordedModel(get_model(job.models.resolve(ref)), store)
        return models[key]

    respondents = build_respondents(job, recorded)
    built = build_judges(job, recorded, respondents[0].spec)
    plans: dict[tuple[str, str], CallPlan] = {}

    def plan_for(model: RecordedModel, role: str) -> CallPlan:
        return plans.setdefault((model.name, role), CallPlan(model=model.name, role=role, price=model.price))

    seen = set() if seen is None else seen  # identical requests are one call (the store shares them)
    for respondent in respondents:
        plan = plan_for(respondent.model, f"{respondent.role} responses")
        for request in respondent.requests(items):
            config = request.config or respondent.config
            key = respondent.model.chat_key(request.messages, config, request.sample_index)
            if key not in seen:
                seen.add(key)
                plan.add(message_text(request.messages), config.max_tokens or 0, store.lookup(key) is not None)

    pairs = 0
    reference = respondents[0]
    llm_judges = [j for j in built.judges if isinstance(j, LLMSimilarityJudge)]
    for respondent in respondents[1:]:
        for item in items:
            ref_text = stored_text(reference.model, item.messages, reference.config_for(0), 0)
            for index in respondent.sample_indices:
                pairs += 1
                text = stored_text(respondent.model, item.messages, respondent.config_for(index), index)
                for judge in llm_judges:
                    _plan_judge(
                        seen,
                        plan_for(judge.model, "judge"),
                        judge,
                        item.uid,
                        item.messages,
                        ref_text,
                        text,
                        _max_tokens(reference, respondent),
                    )
    return RSEPlan(
        domains={d: sum(i.domain == d for i in items) for d in dict.fromkeys(i.domain for i in items)},
        plans=list(plans.values()),
        judges=[j.name for j in built.judges],
        pairs=pairs,
        warnings=[*built.warnings, *sampling_warnings(job, respondents)],
    )


def _max_tokens(reference: Respondent, respondent: Respondent) -> int:
    return (reference.config.max_tokens or 0) + (respondent.config.max_tokens or 0)


def _plan_judge(
    seen: set[str],
    plan: CallPlan,
    judge: LLMSimilarityJudge,
    uid: str,
    messages: list[Message],
    reference: str | None,
    target: str | None,
    unknown_response_tokens: int,
) -> None:
    known = reference is not None and target is not None
    pair = ResponsePair(messages=messages, reference=reference or "", target=target or "", id=uid)
    for request in judge.first_requests(pair):
        if not known:
            plan.add(message_text(request), judge.config.max_tokens or 0)
            plan.prompt_tokens += unknown_response_tokens
            continue
        key = judge.model.chat_key(request, judge.attempt_config(0), 0)
        if key not in seen:
            seen.add(key)
            plan.add(message_text(request), judge.config.max_tokens or 0, judge.model.store.lookup(key) is not None)
