"""An LLM judge that rates how good a response is as training data, on a 1–5 or 1–10 scale.

The judge is any model spec. The conversation and the response are both untrusted (a dataset
prompt or a teacher's answer may say "rate this 10"), so both are fenced with a nonce the text
cannot know. The nonce is derived from the item, not drawn at random: the same item then makes
the same judge request, and a rerun is answered from the run store.

A reply that holds no usable score is asked again a couple of times, with a new sample index (so
the store treats it as a new call) and some temperature (so a greedy judge does not simply repeat
itself); after that the caller's policy decides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from distillscope.judges.asking import ask_until_read, warmed
from distillscope.judges.base import Judgment
from distillscope.judges.parsing import parse_json_object, score_in_range
from distillscope.judges.untrusted import delimit, untrusted_notice
from distillscope.models.recorded import RecordedModel
from distillscope.models.types import GenerateConfig, Message

CONVERSATION_LABEL = "CONVERSATION"
RESPONSE_LABEL = "RESPONSE"

QUALITY_SYSTEM = """You grade answers written by an AI assistant, to decide whether they are good enough to teach \
another assistant. Judge the RESPONSE to the last user turn of the CONVERSATION on:
- helpfulness: does it do what was asked, completely?
- correctness: are its facts, steps and results right?
- clarity: is it well organised and easy to follow?
- language: is it in the language the user wrote in?

{notice}

Reply with one JSON object and nothing else:
{{"score": <integer from 1 (useless) to {scale} (excellent)>, "reason": "<one sentence>"}}"""


class QualityJudgeConfig(BaseModel):
    """Who judges, on what scale, and what happens to a response the judge cannot score."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="Judge model spec, or an alias from the models file.")
    scale: Literal[5, 10] = Field(10, description="The top of the 1..scale rating.")
    threshold: float = Field(6, ge=1, description="Keep responses scored at or above this.")
    retries: int = Field(2, ge=0, le=10, description="Extra attempts when a reply holds no usable score.")
    on_unparseable: Literal["keep", "drop"] = Field(
        "drop", description="What to do with a response the judge never scored."
    )
    params: GenerateConfig = Field(
        default_factory=lambda: GenerateConfig(temperature=0, max_tokens=256),
        description="Judge sampling parameters.",
    )
    retry_temperature: float | None = Field(
        0.7,
        ge=0,
        description="Temperature of the retries (a greedy judge repeats an unreadable reply); None: as params.",
    )

    @model_validator(mode="after")
    def _threshold_on_scale(self) -> QualityJudgeConfig:
        if self.threshold > self.scale:
            raise ValueError(f"threshold {self.threshold} is above the top of the scale ({self.scale})")
        return self


def quality_messages(conversation: Sequence[Message], response: str, scale: int = 10) -> list[Message]:
    """The judge request for one response; the same inputs always give the same request."""
    nonce = item_nonce(conversation, response)
    turns = "\n\n".join(f"[{m.role}]\n{m.content}" for m in conversation)
    user = (
        f"{delimit(turns, CONVERSATION_LABEL, nonce)}\n\n{delimit(response, RESPONSE_LABEL, nonce)}\n\n"
        f"Rate the RESPONSE from 1 to {scale}. Reply with the JSON object only."
    )
    system = QUALITY_SYSTEM.format(notice=untrusted_notice(nonce), scale=scale)
    return [Message(role="system", content=system), Message(role="user", content=user)]


def item_nonce(conversation: Sequence[Message], response: str) -> str:
    material = "\x1e".join([*(f"{m.role}\x1f{m.content}" for m in conversation), response])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:12]


def read_quality(text: str, judge: str, scale: int = 10) -> Judgment:
    """A Judgment from a judge reply; unparseable when it holds no score within 1..scale."""
    found = parse_json_object(text)
    if found is None:
        return Judgment.unparseable(judge, text, "no JSON object in the reply")
    score = score_in_range(found.get("score", found.get("rating")), 1, scale)
    if score is None:
        return Judgment.unparseable(judge, text, f"no score between 1 and {scale} in the reply")
    reason = found.get("reason", found.get("explanation", ""))
    return Judgment(judge=judge, score=score, reason=str(reason), raw=text)


async def judge_quality(
    model: RecordedModel, conversation: Sequence[Message], response: str, config: QualityJudgeConfig
) -> Judgment:
    """Rate one response, asking again (new sample index) while the reply cannot be read."""
    messages = quality_messages(conversation, response, config.scale)

    def read(text: str) -> Judgment | None:
        judgment = read_quality(text, model.name, config.scale)
        return judgment if judgment.parsed else None

    attempts = warmed(config.params, config.retry_temperature, only_if_greedy=False)
    reply = await ask_until_read(model, messages, attempts, read, config.retries)
    if reply.value is not None:
        judgment = reply.value
    elif reply.failed:
        judgment = Judgment.unparseable(model.name, "", reply.raw)
    else:
        judgment = read_quality(reply.raw, model.name, config.scale)
    judgment.details.update({"attempts": reply.attempts, "cached": reply.cached})
    return judgment
