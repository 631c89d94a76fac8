"""`generate --dry-run`: the calls a generate job would make, how many the store holds, their cost.

Nothing is called. The teacher (and judge) are built, so a missing key or folder shows now, and
every request's store key is looked up. Where a request depends on a reply that is not in the
store yet, it is counted as new with an estimated prompt:
- expand: a slot whose reply is stored is read exactly as a run reads it (parse, novelty); a slot
  still to ask is assumed to yield a task, so further slots that dropped tasks would need are not
  planned (the plan's expand count is a lower bound when tasks are dropped);
- judge: every answered response is counted, though filters that run first drop some (an upper
  bound); the judge's retries of unreadable replies are not planned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from distillscope.data.sources import PromptItem, load_prompt_items
from distillscope.distill.generation.expand import SlotReader
from distillscope.distill.generation.generate import GenerateJob, teacher_messages
from distillscope.judges.quality import quality_messages
from distillscope.models.batch import ChatResult
from distillscope.models.plan import CallPlan, estimate_tokens, mean_tokens, message_text
from distillscope.models.recorded import RecordedModel
from distillscope.models.spec import get_model
from distillscope.models.types import GenerateConfig, Message
from distillscope.store import RunStore

JUDGE_TEMPLATE_TOKENS = 300  # the quality judge's instructions and delimiters around the conversation
UNBOUNDED_REPLY_TOKENS = 1024  # what a reply with no max_tokens is priced at: a guess, said as one


@dataclass
class GeneratePlan:
    plans: list[CallPlan]
    prompts: int
    notes: list[str] = field(default_factory=list)


@dataclass
class _Answer:
    """One teacher answer the run would ask for; `reply` is known only when the store holds it."""

    conversation: list[Message]
    prompt_tokens: int
    reply: str | None


def plan_generate(job: GenerateJob, store: RunStore) -> GeneratePlan:
    items = load_prompt_items(job.source)
    teacher = RecordedModel(get_model(job.models.resolve(job.teacher)), store)
    plans: list[CallPlan] = []
    notes: list[str] = []
    answered_items: list[PromptItem | None] = list(items)
    if job.mode == "expand":
        expand_plan, answered_items = _plan_expand(teacher, items, job)
        plans.append(expand_plan)
        notes.append(
            "expand: slots still to ask are assumed to yield a task; dropped tasks make the run ask more, "
            f"up to {job.expand.max_attempts or 3 * job.expand.count}"
        )
    answer_plan = CallPlan(model=teacher.name, role="teacher answers", price=teacher.price)
    unknown_prompt = mean_tokens([item.prompt for item in items])
    reply_tokens = _reply_tokens(teacher, job.params)
    if reply_tokens is None:
        notes.append(f"no max_tokens for the teacher: each answer is priced at {UNBOUNDED_REPLY_TOKENS:,} tokens")
    answer_tokens = reply_tokens or UNBOUNDED_REPLY_TOKENS
    answers = [
        _plan_answer(answer_plan, teacher, item, index, job, unknown_prompt, answer_tokens)
        for item in answered_items
        for index in range(job.n)
    ]
    plans.append(answer_plan)
    if job.judge is not None:
        plans.append(_plan_judge(store, job, answers, answer_tokens))
        notes.append("judge: counts every answer, though earlier filters drop some; retries are not planned")
    return GeneratePlan(plans=plans, prompts=len(items), notes=notes)


def _plan_expand(
    teacher: RecordedModel, items: list[PromptItem], job: GenerateJob
) -> tuple[CallPlan, list[PromptItem | None]]:
    """The expand slots a run would ask, replayed from the store; None stands for a task not yet written."""
    plan = CallPlan(model=teacher.name, role="new tasks", price=teacher.price)
    reader = SlotReader(items, job.expand, job.seed)
    config = job.params.merge(job.expand.params)
    max_tokens = _reply_tokens(teacher, config) or UNBOUNDED_REPLY_TOKENS
    tasks: list[PromptItem | None] = []
    slot = 0
    while len(tasks) < job.expand.count and slot < reader.attempt_limit:
        request = reader.request(slot, config)
        stored = teacher.stored(request.messages, config, slot)
        plan.add(message_text(request.messages), max_tokens, cached=stored is not None)
        if stored is None:
            tasks.append(None)
        elif (task := reader.take(slot, ChatResult(request, stored))) is not None:
            tasks.append(task)
        slot += 1
    return plan, tasks


def _plan_answer(
    plan: CallPlan,
    teacher: RecordedModel,
    item: PromptItem | None,
    index: int,
    job: GenerateJob,
    unknown: int,
    max_tokens: int,
) -> _Answer:
    if item is None:
        plan.add_tokens(unknown, max_tokens)
        return _Answer(conversation=[], prompt_tokens=unknown, reply=None)
    messages = teacher_messages(item, job.mode, job.system)
    stored = teacher.stored(messages, job.params, index)
    plan.add(message_text(messages), max_tokens, cached=stored is not None)
    reply = None if stored is None else stored.text
    return _Answer(list(item.messages), estimate_tokens(message_text(item.messages)), reply)


def _plan_judge(store: RunStore, job: GenerateJob, answers: Sequence[_Answer], answer_budget: int) -> CallPlan:
    assert job.judge is not None
    judge = RecordedModel(get_model(job.models.resolve(job.judge.model)), store)
    plan = CallPlan(model=judge.name, role="judge (at most)", price=judge.price)
    max_tokens = _reply_tokens(judge, job.judge.params) or UNBOUNDED_REPLY_TOKENS
    for answer in answers:
        if answer.reply is None:
            plan.add_tokens(answer.prompt_tokens + answer_budget + JUDGE_TEMPLATE_TOKENS, max_tokens)
            continue
        messages = quality_messages(answer.conversation, answer.reply, job.judge.scale)
        stored = judge.stored(messages, job.judge.params, 0)
        plan.add(message_text(messages), max_tokens, cached=stored is not None)
    return plan


def _reply_tokens(model: RecordedModel, config: GenerateConfig) -> int | None:
    """The reply limit a call would really have: the model's YAML defaults under the job's own."""
    return model.backend.prepare([], config)[1].max_tokens
