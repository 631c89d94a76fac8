"""The rule judge first, an LLM judge where the rules' reading decides a rate: `rules+SPEC`.

The rule judge is fast and free but biased on text unlike what it was written for (its per-class
bias on real answers is printed by bench/identity_judge.py). Its verdict can only be wrong where it
read an identity statement: an answer with no first-person statement, no answered slot and no form
about itself has nothing to contradict the facts, and a miss there would need a claim the rules
cannot see at all. So the LLM judge re-judges exactly the answers in which the rules read some
identity statement, counted or set aside (negated, role-play, a named policy …), and its verdict
replaces theirs; the rest keep the rules' "none". ICE's rates and ranking rest on those answers, and
the LLM calls stay a fraction of the queries (each recorded in the run store like any call).
"""

from __future__ import annotations

from collections.abc import Sequence

from distillscope.judges.base import Judgment
from distillscope.judges.identity.llm import IdentityLLMJudge
from distillscope.judges.identity.rules import IdentityRuleJudge

PREFIX = "rules+"


def rejudge_spec(judge: str) -> str | None:
    """The LLM judge's model spec in a `rules+SPEC` judge name; None for any other judge."""
    return judge[len(PREFIX) :] if judge.startswith(PREFIX) and len(judge) > len(PREFIX) else None


def worth_rejudging(judgment: Judgment) -> bool:
    """Whether the rules read any identity statement that names someone, counted or set aside."""
    claims = judgment.details.get("claims") or []
    return any(claim.get("families") or claim.get("names") for claim in claims)


class RejudgedIdentityJudge:
    def __init__(self, rules: IdentityRuleJudge, llm: IdentityLLMJudge) -> None:
        self.rules = rules
        self.llm = llm

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.llm.name}"

    async def judge_many(self, responses: Sequence[str], prompts: Sequence[str | None] | None = None) -> list[Judgment]:
        first = await self.rules.judge_many(responses, prompts)
        chosen = [i for i, judgment in enumerate(first) if worth_rejudging(judgment)]
        second = await self.llm.judge_many([responses[i] for i in chosen])
        final = list(first)
        for index, judgment in zip(chosen, second, strict=True):
            details = {**judgment.details, "rules": first[index].label, "rejudged": True}
            final[index] = judgment.model_copy(update={"judge": self.name, "details": details})
        return final
