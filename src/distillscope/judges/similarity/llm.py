"""The paper's RSE judge: an LLM rates how similar two responses to the same prompt are, 1 to 5.

It compares the two on the paper's three aspects (response style, logical structure, content
detail) and gives an overall similarity; all four are kept. Three things go beyond the paper:

- Both responses, and the prompt, are untrusted text, fenced with a per-pair nonce and announced
  as data, so a response that says "rate this 5" is evaluated, not obeyed. The nonce is a hash of
  the pair, so the judge prompt is stable and reruns are answered from the run store.
- Each pair is judged in both presentation orders (reference as A, then as B) and the two are
  averaged, which cancels the judge's position bias; both are kept, so the bias can be measured.
- A reply that cannot be read is asked again under a new sample index (at temperature 0 a retry
  samples at `RETRY_TEMPERATURE`, or it would repeat itself); after the last retry that order is
  unparseable. A pair is unparseable only when no order could be read; it never raises.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from distillscope.data.families import family_of
from distillscope.judges.asking import RETRY_TEMPERATURE, ask_until_read, warmed
from distillscope.judges.base import Judgment
from distillscope.judges.parsing import parse_json_object, score_in_range
from distillscope.judges.similarity.base import JudgeScale, JudgmentCallback, ResponsePair, SimilarityJudge
from distillscope.judges.untrusted import delimit, untrusted_notice
from distillscope.models.recorded import RecordedModel
from distillscope.models.tasks import gather_fail_fast
from distillscope.models.types import GenerateConfig, Message

Order = Literal["reference_first", "target_first"]
ORDERS: tuple[Order, Order] = ("reference_first", "target_first")
ASPECTS = ("style", "structure", "detail")
OVERALL_KEYS = ("overall", "similarity", "score")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
DEFAULT_JUDGE_CONFIG = GenerateConfig(temperature=0, max_tokens=300)
LLM_SCALE = JudgeScale(low=1.0, high=5.0, label="LLM judge similarity rating")

SYSTEM_PROMPT = """You compare two AI assistant responses to the same conversation and rate how similar they are.
Rate similarity, not quality: two equally wrong answers written the same way are very similar.

Rate each aspect from 1 to 5 (5 = practically the same, 3 = partly alike, 1 = completely different):
- style: tone, formatting, use of lists and markdown, length;
- structure: the order and shape of the reasoning or of the answer;
- detail: the facts, examples, intermediate values and specifics given;
- overall: your overall judgment of how similar the two responses are.

Reply with one JSON object and nothing else:
{"style": <1-5>, "structure": <1-5>, "detail": <1-5>, "overall": <1-5>, "reason": "<one short sentence>"}"""


def pair_nonce(pair: ResponsePair) -> str:
    """A nonce derived from the pair: unguessable from inside one response, stable across reruns."""
    blob = json.dumps([pair.id, [m.model_dump() for m in pair.messages], pair.reference, pair.target])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def render_conversation(messages: Sequence[Message]) -> str:
    return "\n\n".join(f"[{m.role}]\n{m.content}" for m in messages)


def judge_messages(pair: ResponsePair, order: Order, nonce: str | None = None) -> list[Message]:
    """The judge's prompt for one presentation order, every untrusted text fenced."""
    nonce = nonce or pair_nonce(pair)
    first, second = (pair.reference, pair.target) if order == "reference_first" else (pair.target, pair.reference)
    user = (
        "The conversation both responses answer:\n"
        f"{delimit(render_conversation(pair.messages), 'CONVERSATION', nonce)}\n\n"
        f"Response A:\n{delimit(first, 'RESPONSE A', nonce)}\n\n"
        f"Response B:\n{delimit(second, 'RESPONSE B', nonce)}\n\n"
        "Rate how similar Response A and Response B are. Reply with the JSON object only."
    )
    return [
        Message(role="system", content=f"{SYSTEM_PROMPT}\n\n{untrusted_notice(nonce)}"),
        Message(role="user", content=user),
    ]


@dataclass
class Verdict:
    """One order's reading of the judge's reply."""

    score: float | None
    aspects: dict[str, float | None] = field(default_factory=dict)
    reason: str = ""
    raw: str = ""
    attempts: int = 0

    @property
    def parsed(self) -> bool:
        return self.score is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "aspects": self.aspects,
            "reason": self.reason,
            "raw": self.raw,
            "attempts": self.attempts,
            "parsed": self.parsed,
        }


def parse_verdict(text: str) -> Verdict | None:
    """The ratings in a judge's reply, or None when it holds no usable overall rating."""
    # The shared parser repairs single quotes or a trailing comma, but not both at once; judges do both.
    obj = parse_json_object(text) or parse_json_object(_TRAILING_COMMA.sub(r"\1", text))
    if obj is None:
        return None
    overall = next((score_in_range(obj[k], 1, 5) for k in OVERALL_KEYS if k in obj), None)
    if overall is None:
        return None
    aspects = {name: score_in_range(obj.get(name), 1, 5) for name in ASPECTS}
    reason = obj.get("reason", obj.get("explanation", ""))
    return Verdict(score=overall, aspects=aspects, reason=str(reason)[:500], raw=text)


def self_preference_warning(judge_spec: str, reference_spec: str) -> str | None:
    """A warning when the judge may favour the reference's outputs as its own (the paper's caveat)."""
    if judge_spec == reference_spec:
        return f"judge {judge_spec} is the reference model itself: it may prefer responses like its own"
    judge_family, reference_family = family_of(judge_spec), family_of(reference_spec)
    if judge_family is not None and judge_family == reference_family:
        return (
            f"judge {judge_spec} is of the reference's family ({judge_family}): "
            "it may prefer responses like its own; add a judge of another family to compare"
        )
    return None


class LLMSimilarityJudge(SimilarityJudge):
    def __init__(
        self,
        model: RecordedModel,
        config: GenerateConfig | None = None,
        *,
        retries: int = 2,
        both_orders: bool = True,
        name: str | None = None,
    ) -> None:
        self.model = model
        self.config = DEFAULT_JUDGE_CONFIG.merge(config)
        self.retries = retries
        self.orders: tuple[Order, ...] = ORDERS if both_orders else ORDERS[:1]
        self.name = name or f"llm:{model.name}"
        self.scale = LLM_SCALE

    @property
    def makes_calls(self) -> bool:
        return True

    def attempt_config(self, attempt: int) -> GenerateConfig:
        return warmed(self.config, RETRY_TEMPERATURE)(attempt)

    def first_requests(self, pair: ResponsePair) -> list[list[Message]]:
        """The first-attempt prompt of each order (what a dry run counts and looks up)."""
        nonce = pair_nonce(pair)
        return [judge_messages(pair, order, nonce) for order in self.orders]

    async def judge_many(
        self, pairs: Sequence[ResponsePair], on_result: JudgmentCallback | None = None
    ) -> list[Judgment]:
        async def one(pair: ResponsePair) -> Judgment:
            nonce = pair_nonce(pair)
            verdicts = await asyncio.gather(*(self._judge_order(judge_messages(pair, o, nonce)) for o in self.orders))
            judgment = self._combine(dict(zip(self.orders, verdicts, strict=True)))
            if on_result is not None:
                on_result(judgment)
            return judgment

        return await gather_fail_fast(one(pair) for pair in pairs)

    async def _judge_order(self, messages: list[Message]) -> Verdict:
        reply = await ask_until_read(self.model, messages, self.attempt_config, parse_verdict, self.retries)
        if reply.value is not None:
            reply.value.attempts = reply.attempts
            return reply.value
        return Verdict(score=None, reason="no readable rating after retries", raw=reply.raw, attempts=reply.attempts)

    def _combine(self, verdicts: dict[Order, Verdict]) -> Judgment:
        read = [v for v in verdicts.values() if v.parsed]
        details: dict[str, Any] = {"orders": {order: v.as_dict() for order, v in verdicts.items()}}
        for order, verdict in verdicts.items():
            details[f"score_{order}"] = verdict.score
        raw = "\n---\n".join(v.raw for v in verdicts.values())
        if not read:
            return Judgment.unparseable(self.name, raw, "the judge's replies held no readable rating").model_copy(
                update={"details": details}
            )
        details["aspects"] = {name: _mean([v.aspects.get(name) for v in read]) for name in ASPECTS}
        details["orders_parsed"] = len(read)
        return Judgment(
            judge=self.name,
            score=_mean([v.score for v in read]),
            reason=read[0].reason,
            raw=raw,
            details=details,
        )


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None
