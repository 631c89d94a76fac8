"""`generate`: a teacher writes training data for a student (black-box distillation).

Three modes, all answering through the run store (a rerun makes no calls, a killed run resumes):
- respond: the teacher answers each prompt; a multi-turn conversation is sent whole and the
  teacher answers its last user turn.
- cot: the teacher reasons step by step and ends with `Final answer: X`; the answer is extracted,
  and where the prompt has a reference answer only chains that reach it are kept.
- expand: Self-Instruct-style. The teacher sees k seeded examples, writes one new task in their
  spirit, then answers it; tasks too close to a source prompt or an earlier new task are dropped.

Then the filters run in a fixed order, each counted in the summary: model-free checks
(`filters.py`), answer verification, duplicates, the optional LLM judge, and the category cap.
The records (chat `messages` plus provenance) are written in a fixed order, atomically, so a
rerun rewrites an identical file; dropped ones go to `<output>.rejected.jsonl` with their reason.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from distillscope.data.sources import PromptItem, PromptSource, load_prompt_items
from distillscope.distill.generation.answers import answers_match, extract_answer
from distillscope.distill.generation.dedup import NearDuplicateIndex
from distillscope.distill.generation.expand import ExpandSettings, ExpandStats, expand_tasks
from distillscope.distill.generation.filters import FilterSettings, active_reasons, cap_per_category, check_response
from distillscope.fileio.files import write_atomic
from distillscope.fileio.jsonl import dumps
from distillscope.fileio.paths import check_output_file, job_inputs
from distillscope.judges.base import Judgment
from distillscope.judges.quality import QualityJudgeConfig, judge_quality
from distillscope.models.batch import ChatRequest, ChatResult, chat_many
from distillscope.models.catalog import ModelCatalog
from distillscope.models.recorded import RecordedModel
from distillscope.models.run import Run
from distillscope.models.types import GenerateConfig, Message
from distillscope.models.usage import ModelUsage
from distillscope.store import RunStore

Mode = Literal["respond", "cot", "expand"]

COT_SYSTEM = (
    "Solve the problem step by step, showing your reasoning. "
    "Then write the final answer alone on the last line, as: Final answer: <answer>"
)


class GenerateJob(BaseModel):
    """What `distillscope generate` does; the flags and a `--config` YAML file set the same fields."""

    model_config = ConfigDict(extra="forbid")

    teacher: str = Field(description="Teacher model spec, or an alias from the models file.")
    source: PromptSource = Field(description="The prompts: a file or hf:DATASET, with field mapping and sampling.")
    output: Path = Field(description="Where the kept records go (JSONL in the chat `messages` format).")
    mode: Mode = Field("respond", description="respond, cot (reasoning with answer checks) or expand (new tasks).")
    models: ModelCatalog = Field(
        default_factory=ModelCatalog, description="Named models (the catalog): name -> spec or model config."
    )
    params: GenerateConfig = Field(default_factory=GenerateConfig, description="Teacher sampling parameters.")
    system: str | None = Field(
        None,
        description="System prompt for the teacher; replaces the prompt's own and cot's default. '' sends none.",
    )
    keep_system: bool = Field(False, description="Keep the teacher's system prompt in the written records.")
    n: int = Field(1, ge=1, description="Teacher samples per prompt (distinct sample indices).")
    expand: ExpandSettings = Field(default_factory=ExpandSettings, description="expand mode settings.")
    filters: FilterSettings = Field(default_factory=FilterSettings, description="Which filters run.")
    judge: QualityJudgeConfig | None = Field(None, description="Optional LLM quality judge and its threshold.")
    seed: int = Field(0, description="Seed for expand's example choice and the category cap.")

    @field_validator("source", mode="before")
    @classmethod
    def _path_alone(cls, value: Any) -> Any:
        return {"path": str(value)} if isinstance(value, str | Path) else value


@dataclass
class Candidate:
    """One teacher response on its way through the filters."""

    id: str
    conversation: list[Message]  # the source turns, ending with the user turn being answered
    request: list[Message]  # what was sent to the teacher
    sample_index: int
    provenance: dict[str, Any]
    category: str | None = None
    reference_answer: str | None = None
    response: str = ""
    finish_reason: str | None = None
    answer: str | None = None
    judgment: Judgment | None = None
    drop: str | None = None
    error: str | None = None


@dataclass
class GenerateSummary:
    output_path: Path
    rejected_path: Path
    summary_path: Path
    run_id: str
    mode: str
    teacher: str
    prompts: int
    requested: int
    answered: int
    kept: int
    dropped: dict[str, int]
    judge: dict[str, Any] | None = None
    expand: dict[str, Any] | None = None
    usage: list[ModelUsage] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": str(self.output_path),
            "rejected": str(self.rejected_path),
            "run_id": self.run_id,
            "mode": self.mode,
            "teacher": self.teacher,
            "prompts": self.prompts,
            "requested": self.requested,
            "answered": self.answered,
            "kept": self.kept,
            "dropped": self.dropped,
            "judge": self.judge,
            "expand": self.expand,
            "usage": [u.model_dump(mode="json") for u in self.usage],
        }


def side_paths(output: Path) -> tuple[Path, Path]:
    """(rejected records, summary) next to the output: data.jsonl → data.rejected.jsonl, data.summary.json."""
    return output.with_name(output.stem + ".rejected.jsonl"), output.with_name(output.stem + ".summary.json")


async def generate_data(
    job: GenerateJob,
    store: RunStore,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[Any], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> GenerateSummary:
    """Run a generate job. Each stage calls `on_stage(name)`, `on_start(total)`, then `on_result` per item."""
    items = load_prompt_items(job.source)
    for path in (job.output, *side_paths(job.output)):  # before the teacher's work, not after it
        check_output_file(path, inputs=job_inputs(job))
    dropped = {reason: 0 for reason in active_reasons(job.mode, job.filters, judged=job.judge is not None)}
    rejected: list[dict[str, Any]] = []
    expand_stats: ExpandStats | None = None
    judge_stats: dict[str, Any] | None = None
    async with Run(store, "generate", job.model_dump(mode="json"), job.models) as run:
        teacher = run.model(job.teacher)
        if job.mode == "expand":
            _say(on_stage, on_start, "writing new tasks", job.expand.count)
            items, expand_stats, expand_rejects = await expand_tasks(
                teacher, items, job.expand, job.params, job.seed, on_result
            )
            rejected.extend(expand_rejects)
            for record in expand_rejects:
                dropped[record["drop_reason"]] += 1
        candidates = [_candidate(item, index, job) for item in items for index in range(job.n)]
        _say(on_stage, on_start, "teacher answers", len(candidates))
        requests = [ChatRequest(c.request, job.params, c.sample_index, id=c.id) for c in candidates]
        results = await chat_many(teacher, requests, on_result=on_result)
        for candidate, result in zip(candidates, results, strict=True):
            _take_result(candidate, result)
        _apply_checks(candidates, job)
        if job.judge is not None:
            survivors = [c for c in candidates if c.drop is None]
            _say(on_stage, on_start, "judging quality", len(survivors))
            judge_stats = await _judge(run.model(job.judge.model), survivors, job.judge, on_result)
        if job.filters.category_cap is not None:
            _cap(candidates, job.filters.category_cap, job.seed)
        for candidate in candidates:
            if candidate.drop is not None:
                dropped[candidate.drop] += 1
        kept = [_record(c, teacher, job) for c in candidates if c.drop is None]
        rejected.extend({**_record(c, teacher, job), **_why(c)} for c in candidates if c.drop is not None)
    rejected_path, summary_path = side_paths(job.output)
    write_atomic(job.output, "".join(dumps(r) + "\n" for r in kept))
    write_atomic(rejected_path, "".join(dumps(r) + "\n" for r in rejected))
    summary = GenerateSummary(
        output_path=job.output,
        rejected_path=rejected_path,
        summary_path=summary_path,
        run_id=run.id,
        mode=job.mode,
        teacher=teacher.name,
        prompts=len(items),
        requested=len(candidates),
        answered=sum(c.error is None for c in candidates),
        kept=len(kept),
        dropped=dropped,
        judge=judge_stats,
        expand=None if expand_stats is None else asdict(expand_stats),
        usage=run.usage(),
    )
    write_atomic(summary_path, json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return summary


def teacher_messages(item: PromptItem, mode: Mode, system: str | None = None) -> list[Message]:
    """The request for one item: its turns, under the job's system prompt or the mode's default."""
    turns = [m for m in item.messages if m.role != "system"]
    if system is None:
        if mode != "cot":
            return list(item.messages)
        own = [m.content for m in item.messages if m.role == "system"]
        system = "\n\n".join([*own, COT_SYSTEM])
    return ([Message(role="system", content=system)] if system else []) + turns


def _candidate(item: PromptItem, sample_index: int, job: GenerateJob) -> Candidate:
    source_ids = item.meta.get("source_ids")
    provenance = {"source_ids": source_ids} if source_ids is not None else {"source_id": item.id}
    return Candidate(
        id=f"{item.id}#{sample_index}",
        conversation=list(item.messages),
        request=teacher_messages(item, job.mode, job.system),
        sample_index=sample_index,
        provenance=provenance,
        category=item.category,
        reference_answer=item.answer,
    )


def _take_result(candidate: Candidate, result: ChatResult) -> None:
    if result.output is None:
        candidate.drop, candidate.error = "call_failed", result.error
        return
    candidate.response = result.output.text
    candidate.finish_reason = result.output.finish_reason


def _apply_checks(candidates: Sequence[Candidate], job: GenerateJob) -> None:
    """The in-order checks: model-free ones, answer verification, then duplicates among survivors."""
    settings = job.filters
    index = NearDuplicateIndex(settings.near_duplicate_threshold, settings.shingle_size) if settings.dedup else None
    for candidate in candidates:
        if candidate.drop is not None:
            continue
        prompt = _last_user(candidate.conversation)
        candidate.drop = check_response(candidate.response, prompt, settings, candidate.finish_reason)
        if candidate.drop is None and job.mode == "cot":
            candidate.answer = extract_answer(candidate.response)
            candidate.drop = _answer_problem(candidate, settings)
        if candidate.drop is None and index is not None:
            found = index.check_and_add(candidate.id, _dedup_text(candidate, settings.dedup_on))
            if found is not None:
                candidate.drop = found[0]


def _answer_problem(candidate: Candidate, settings: FilterSettings) -> str | None:
    if not settings.verify_answers or candidate.reference_answer is None:
        return None
    if candidate.answer is None:
        return "no_answer"
    if not answers_match(candidate.answer, candidate.reference_answer, rel_tol=settings.answer_rel_tol):
        return "answer_mismatch"
    return None


async def _judge(
    judge: RecordedModel,
    candidates: Sequence[Candidate],
    config: QualityJudgeConfig,
    on_result: Callable[[Any], None] | None,
) -> dict[str, Any]:
    async def one(candidate: Candidate) -> None:
        candidate.judgment = await judge_quality(judge, candidate.conversation, candidate.response, config)
        if on_result is not None:
            on_result(candidate.judgment)

    await asyncio.gather(*(one(c) for c in candidates))
    unparseable = 0
    for candidate in candidates:
        judgment = candidate.judgment
        assert judgment is not None
        if not judgment.parsed:
            unparseable += 1
            if config.on_unparseable == "drop":
                candidate.drop = "judge_unparseable"
        elif judgment.score is not None and judgment.score < config.threshold:
            candidate.drop = "judge_low_score"
    scores = [c.judgment.score for c in candidates if c.judgment is not None and c.judgment.score is not None]
    return {
        "model": judge.name,
        "judged": len(candidates),
        "unparseable": unparseable,
        "unparseable_policy": config.on_unparseable,
        "threshold": config.threshold,
        "scale": config.scale,
        "mean_score": sum(scores) / len(scores) if scores else None,
    }


def _cap(candidates: Sequence[Candidate], cap: int, seed: int) -> None:
    survivors = [c for c in candidates if c.drop is None]
    keep = cap_per_category([c.category for c in survivors], cap, seed)
    for candidate, kept in zip(survivors, keep, strict=True):
        if not kept:
            candidate.drop = "category_cap"


def _record(candidate: Candidate, teacher: RecordedModel, job: GenerateJob) -> dict[str, Any]:
    """A chat-format training record with everything needed to trace it back to its making."""
    prepared, effective = teacher.backend.prepare(candidate.request, job.params)
    system = next((m.content for m in prepared if m.role == "system"), None)
    turns = prepared if job.keep_system else candidate.conversation
    messages = [m.model_dump() for m in turns]
    if candidate.error is None:
        messages.append({"role": "assistant", "content": candidate.response})
    record: dict[str, Any] = {
        "id": candidate.id,
        "messages": messages,
        "category": candidate.category,
        **candidate.provenance,
        "mode": job.mode,
        "teacher": {"name": teacher.name, "identity": teacher.backend.identity},
        "params": effective.semantic(),
        "system": system,
        "sample_index": candidate.sample_index,
    }
    if job.mode == "cot":
        record["answer"] = candidate.answer
        record["reference_answer"] = candidate.reference_answer
    if job.judge is not None:
        judgment = candidate.judgment
        record["judge"] = None if judgment is None else {"score": judgment.score, "reason": judgment.reason}
    return record


def _why(candidate: Candidate) -> dict[str, Any]:
    why: dict[str, Any] = {"drop_reason": candidate.drop, "finish_reason": candidate.finish_reason}
    if candidate.error is not None:
        why["error"] = candidate.error
    return why


def _dedup_text(candidate: Candidate, on: str) -> str:
    if on == "response":
        return candidate.response
    users = [m.content for m in candidate.conversation if m.role == "user"]
    return "\n".join([*users, candidate.response])


def _last_user(messages: Sequence[Message]) -> str:
    return next((m.content for m in reversed(messages) if m.role == "user"), "")


def _say(
    on_stage: Callable[[str], None] | None, on_start: Callable[[int], None] | None, stage: str, total: int
) -> None:
    if on_stage is not None:
        on_stage(stage)
    if on_start is not None:
        on_start(total)
