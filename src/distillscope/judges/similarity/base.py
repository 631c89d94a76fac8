"""The interface every response-similarity judge shares, so RSE can swap and combine them freely.

A judge sees one conversation, the reference model's response and a target's response, and returns
a `Judgment` whose score lies on the judge's own `JudgeScale`. Judges differ wildly in cost (an LLM
call versus a vector product), so the one method they must implement works on a batch: an
embedding model encodes hundreds of texts at once, an LLM judge sends its calls concurrently.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from distillscope.judges.base import Judgment
from distillscope.models.types import Message


class JudgeScale(BaseModel):
    """Where a judge's scores live. Scales are reported as they are, never silently mapped."""

    model_config = ConfigDict(frozen=True)

    low: float = Field(description="The lowest possible score (least similar).")
    high: float = Field(description="The highest possible score (most similar).")
    label: str = Field(description="What the number is, for table headers (e.g. 'cosine similarity').")

    def describe(self) -> str:
        return f"{self.label}, {self.low:g}–{self.high:g}"


@dataclass(frozen=True)
class ResponsePair:
    """One comparison: the prompt conversation and the two responses to it."""

    messages: list[Message]
    reference: str
    target: str
    id: str = ""


JudgmentCallback = Callable[[Judgment], None]


class SimilarityJudge(ABC):
    """Rates how similar a target's response is to the reference's, on `scale`."""

    name: str
    scale: JudgeScale

    @abstractmethod
    async def judge_many(
        self, pairs: Sequence[ResponsePair], on_result: JudgmentCallback | None = None
    ) -> list[Judgment]:
        """One judgment per pair, in order; `on_result` is called as each one is done."""

    async def judge(self, pair: ResponsePair) -> Judgment:
        return (await self.judge_many([pair]))[0]

    @property
    def makes_calls(self) -> bool:
        """Whether judging spends model calls (and so belongs in a dry-run plan)."""
        return False


class OfflineJudge(SimilarityJudge):
    """A judge computed locally and cheaply from the two texts; it never fails to parse."""

    @abstractmethod
    def score_pairs(self, pairs: Sequence[ResponsePair]) -> list[Judgment]:
        """Synchronous scoring of a batch; run in a worker thread by `judge_many`."""

    async def judge_many(
        self, pairs: Sequence[ResponsePair], on_result: JudgmentCallback | None = None
    ) -> list[Judgment]:
        judgments = await asyncio.to_thread(self.score_pairs, list(pairs))
        if on_result is not None:
            for judgment in judgments:
                on_result(judgment)
        return judgments
