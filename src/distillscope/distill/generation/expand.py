"""`generate --mode expand`: the teacher writes new tasks in the spirit of the source's (Self-Instruct).

Each new task is asked for in a numbered slot that always shows the same seeded examples under the
same sample index, so a rerun is answered from the store. A task too close to a source prompt or
an earlier new task (word-shingle Jaccard) is dropped as not novel, and so is a reply that holds
no task; the teacher answers the accepted ones like any other prompt afterwards.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from distillscope.data.sources import PromptItem
from distillscope.distill.generation.dedup import NearDuplicateIndex
from distillscope.distill.generation.filters import is_refusal
from distillscope.models.batch import ChatRequest, ChatResult, chat_many
from distillscope.models.recorded import RecordedModel
from distillscope.models.types import GenerateConfig, Message

EXPAND_PROMPT = """You are helping to build a varied set of tasks for training an AI assistant. \
Here are {k} example tasks from the set:

{examples}

Write one NEW task for the assistant in the same spirit: the same kind of request, the same language \
and a similar difficulty, but not a copy or a close paraphrase of any example. Write only the task, \
not its answer, and make it self-contained.

Reply in exactly this format:
New task: <the task>"""
EXAMPLE_CHARS = 2000  # an example longer than this is cut: the teacher needs its gist, not all of it

_FENCED = re.compile(r"```[^\n]*\n(.*?)\n?```\s*$", re.DOTALL)
_NEW_LABEL = re.compile(
    r"(?:^|\n)[\s#*_>]*new\s+(?:task|instruction|prompt|question)[\s*_]*[:：]|新(?:任务|指令|问题)\s*[:：]", re.I
)
_ANY_LABEL = re.compile(
    r"(?:^|\n)[\s#*_>]*(?:task|instruction|prompt|question)[\s*_]*[:：]|(?:任务|指令)\s*[:：]", re.I
)
_ANSWER_LABEL = re.compile(r"\n[\s#*_>]*(?:answer|response|output|solution|回答|答案)[\s*_]*[:：]", re.I)


class ExpandSettings(BaseModel):
    """expand mode: how new tasks are asked for, and how different they must be."""

    model_config = ConfigDict(extra="forbid")

    k: int = Field(3, ge=1, description="Source examples shown to the teacher per new task (seeded choice).")
    count: int = Field(20, ge=1, description="New tasks to accept.")
    max_attempts: int | None = Field(None, ge=1, description="Most new tasks asked for; default 3 × count.")
    novelty_threshold: float = Field(
        0.7,
        gt=0,
        le=1,
        description="Word-shingle Jaccard at or above which a new task is too close to a source or earlier task.",
    )
    novelty_shingle_size: int = Field(2, ge=1, description="Words per shingle for the novelty check.")
    max_task_chars: int = Field(4000, ge=1, description="A reply longer than this is not a task.")
    params: GenerateConfig = Field(
        default_factory=GenerateConfig, description="Sampling for writing tasks, over the job's params."
    )


@dataclass
class ExpandStats:
    asked: int = 0
    accepted: int = 0
    failed: int = 0
    unparseable: int = 0
    not_novel: int = 0


class SlotReader:
    """Reads slot replies in slot order: the novelty index grows with each accepted task.

    The run and the dry run both go through it, so a plan replays exactly what a run decides.
    """

    def __init__(self, items: Sequence[PromptItem], settings: ExpandSettings, seed: int) -> None:
        self.items, self.settings, self.seed = list(items), settings, seed
        self.index = NearDuplicateIndex(settings.novelty_threshold, settings.novelty_shingle_size)
        self.names: dict[Any, str] = {}
        for position, item in enumerate(self.items):
            self.index.add(("source", position), item.prompt)
            self.names[("source", position)] = item.id
        self.accepted: list[PromptItem] = []
        self.rejected: list[dict[str, Any]] = []
        self._shown: dict[int, list[PromptItem]] = {}

    def shown(self, slot: int) -> list[PromptItem]:
        """The examples a slot shows, drawn once: its request and the reading of its reply both need them."""
        if slot not in self._shown:
            self._shown[slot] = examples_for_slot(self.items, self.settings.k, self.seed, slot)
        return self._shown[slot]

    def request(self, slot: int, config: GenerateConfig) -> ChatRequest:
        return ChatRequest.of(expand_prompt(self.shown(slot)), config=config, sample_index=slot, id=f"expand-{slot}")

    def take(self, slot: int, result: ChatResult) -> PromptItem | None:
        """The new task in this slot's reply, or None (and a rejected record saying why)."""
        shown = self.shown(slot)
        source_ids = [e.id for e in shown]
        reason, task, similar = self._read(result)
        if reason is not None:
            reply = None if result.output is None else result.output.text
            similar_to = None if similar is None else self.names[similar]
            self.rejected.append(
                {"id": f"expand-{slot}", "drop_reason": reason, "task": task, "similar_to": similar_to}
                | {"source_ids": source_ids, "reply": reply, "error": result.error}
            )
            return None
        assert task is not None
        self.index.add(("expand", slot), task)
        self.names[("expand", slot)] = f"expand-{slot}"
        categories = {e.category for e in shown}
        item = PromptItem(
            id=f"expand-{slot}",
            messages=[Message(role="user", content=task)],
            category=categories.pop() if len(categories) == 1 else None,
            meta={"source_ids": source_ids},
        )
        self.accepted.append(item)
        return item

    def _read(self, result: ChatResult) -> tuple[str | None, str | None, Any]:
        """(drop reason or None, the task, the index key of what it copies) for one slot's reply."""
        if result.output is None:
            return "instruction_failed", None, None
        task = parse_task(result.output.text, self.settings.max_task_chars)
        if task is None:
            return "instruction_unparseable", None, None
        found = self.index.find(task)
        return ("not_novel", task, found[1]) if found is not None else (None, task, None)

    @property
    def done(self) -> bool:
        return len(self.accepted) >= self.settings.count

    @property
    def attempt_limit(self) -> int:
        return self.settings.max_attempts or 3 * self.settings.count

    def stats(self) -> ExpandStats:
        reasons = [r["drop_reason"] for r in self.rejected]
        return ExpandStats(
            asked=len(self.accepted) + len(self.rejected),
            accepted=len(self.accepted),
            failed=reasons.count("instruction_failed"),
            unparseable=reasons.count("instruction_unparseable"),
            not_novel=reasons.count("not_novel"),
        )


async def expand_tasks(
    teacher: RecordedModel,
    items: list[PromptItem],
    settings: ExpandSettings,
    params: GenerateConfig,
    seed: int,
    on_result: Callable[[Any], None] | None = None,
) -> tuple[list[PromptItem], ExpandStats, list[dict[str, Any]]]:
    """New tasks, each a one-turn item, asked for in rounds until `count` are novel or attempts run out.

    Slot s always shows the same seeded examples with sample index s, so reruns hit the store; the
    replies are judged for novelty in slot order, so the result never depends on timing.
    """
    reader = SlotReader(items, settings, seed)
    config = params.merge(settings.params)
    slot = 0
    while not reader.done and slot < reader.attempt_limit:
        slots = range(slot, min(reader.attempt_limit, slot + settings.count - len(reader.accepted)))
        for s, result in zip(slots, await chat_many(teacher, [reader.request(s, config) for s in slots]), strict=True):
            if reader.take(s, result) is not None and on_result is not None:
                on_result(result)
        slot = slots.stop
    return reader.accepted, reader.stats(), reader.rejected


def expand_prompt(examples: Sequence[PromptItem]) -> str:
    shown = "\n\n".join(f"Example {i}:\n{e.prompt[:EXAMPLE_CHARS]}" for i, e in enumerate(examples, start=1))
    return EXPAND_PROMPT.format(k=len(examples), examples=shown)


def parse_task(reply: str, max_chars: int = 4000) -> str | None:
    """The new task in a teacher's reply, whatever it wrapped around it; None when there is none.

    Handles a `New task:` label (or Task/Instruction/新任务), an intro line such as "Sure, here is
    one:", a fenced reply, surrounding quotes or bold, and an answer the teacher added anyway.
    """
    text = reply.strip()
    fenced = _FENCED.match(text) if text.startswith("```") else None
    if fenced:
        text = fenced.group(1).strip()
    labels = list(_NEW_LABEL.finditer(text)) or list(_ANY_LABEL.finditer(text))
    if labels:
        text = text[labels[-1].end() :]
    else:
        first, _, rest = text.partition("\n")
        if rest.strip() and first.rstrip().endswith((":", "：")):
            text = rest
    answer = _ANSWER_LABEL.search(text)
    if answer:
        text = text[: answer.start()]
    text = text.strip().strip("*_").strip()
    if len(text) >= 2 and text[0] in "\"'“「" and text[-1] in "\"'”」":
        text = text[1:-1].strip()
    if not text or len(text) > max_chars or is_refusal(text):
        return None
    return text


def examples_for_slot(items: Sequence[PromptItem], k: int, seed: int, slot: int) -> list[PromptItem]:
    return random.Random(f"{seed}:expand:{slot}").sample(list(items), min(k, len(items)))
