"""`recipe`: DistilQwen2.5's combined black-box and white-box pipeline, as one job.

1. expand: the teacher (or a separate writer, such as an API model) writes new instructions in
   the spirit of the source prompts (`generate`'s expand step);
2. generate: the writer answers every prompt, old and new, with chains of thought (or plain
   answers); the filters run, answers are checked against references, categories are capped for
   task balance;
3. split: a seeded share of the kept records is held out for evaluation (unless eval data is given);
4. teacher-cache: the white-box teacher's top-k log-probs on the training records;
5. train: KD from that cache (`train --mode kd-offline`);
6. eval: the student before and after, on the held-out records, against the teacher.

Every stage is the library function its own command runs, and every stage resumes: model calls
come from the run store, a finished cache or training run is reused, so a rerun is cheap and an
interrupted one picks up where it stopped. `recipe.json` records what each stage produced.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from distillscope.data.sources import PromptItem, PromptSource, load_prompt_items
from distillscope.distill.generation.expand import ExpandSettings, ExpandStats, expand_tasks
from distillscope.distill.generation.filters import FilterSettings
from distillscope.distill.generation.generate import GenerateJob, GenerateSummary, generate_data
from distillscope.distill.signal.teacher_cache import TeacherCache, TeacherCacheJob, run_teacher_cache
from distillscope.distill.training.evaluation import EvalJob, EvalReport, evaluate
from distillscope.distill.training.job import TrainJob, TrainSummary, train
from distillscope.errors import InputError, ModelSpecError
from distillscope.fileio.files import write_atomic
from distillscope.fileio.jsonl import read_jsonl, write_jsonl
from distillscope.judges.quality import QualityJudgeConfig
from distillscope.models.catalog import ModelCatalog
from distillscope.models.run import Run
from distillscope.models.types import GenerateConfig
from distillscope.store import RunStore

SUMMARY_FILE = "recipe.json"
# The recipe sets these itself: the stage's inputs and outputs, and KD from the cache.
_OWNED_BY_RECIPE = {"mode", "student", "teacher", "teacher_cache", "data", "split", "output"}

TrainSettings = create_model(
    "TrainSettings",
    __config__=ConfigDict(extra="forbid"),
    __doc__="`train`'s settings for the KD stage (every field of `distillscope train` but its inputs).",
    **{name: (info.annotation, info) for name, info in TrainJob.model_fields.items() if name not in _OWNED_BY_RECIPE},
)


class GenerateSettings(BaseModel):
    """How the writer answers: `generate`'s mode, sampling, filters and judge."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["cot", "respond"] = Field("cot", description="cot: reasoning with checked answers; respond.")
    params: GenerateConfig = Field(default_factory=GenerateConfig, description="Writer sampling parameters.")
    system: str | None = Field(None, description="System prompt for the writer ('' sends none; cot has a default).")
    n: int = Field(1, ge=1, description="Answers per prompt.")
    filters: FilterSettings = Field(default_factory=FilterSettings, description="Which filters run.")
    judge: QualityJudgeConfig | None = Field(None, description="Optional LLM quality judge (informativeness).")


class CacheSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    k: int = Field(32, ge=1, le=1024, description="Teacher tokens kept per position.")
    batch_size: int = Field(8, ge=1, description="Examples per teacher forward pass.")


class EvalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: str | None = Field(None, description="Held-out data; default: the records held out by `holdout`.")
    split: str = Field("test", description="Split, for hub datasets.")
    holdout: float = Field(0.1, ge=0, lt=1, description="Share of the kept records held out when data is not given.")
    batch_size: int = Field(8, ge=1, description="Examples per forward pass.")
    baseline: bool = Field(True, description="Also evaluate the student before distillation.")


class RecipeJob(BaseModel):
    """What `distillscope recipe` does: the whole DistilQwen2.5 pipeline in one YAML file."""

    model_config = ConfigDict(extra="forbid")

    teacher: str = Field(description="The white-box teacher for KD (hf:), and by default the writer.")
    student: str = Field(description="The student to distil into (same tokenizer as the teacher).")
    writer: str | None = Field(None, description="The model that expands and answers, if not the teacher.")
    models: ModelCatalog = Field(
        default_factory=ModelCatalog, description="Named models (the catalog): name -> spec or model config."
    )
    source: PromptSource = Field(description="The seed prompts (with reference answers where checked).")
    output: Path = Field(description="Folder for the data, cache, student, eval and recipe.json.")
    expand: ExpandSettings | None = Field(
        default_factory=ExpandSettings, description="New instructions to write; null skips the step."
    )
    generate: GenerateSettings = Field(default_factory=GenerateSettings, description="How prompts are answered.")
    cache: CacheSettings = Field(default_factory=CacheSettings, description="The teacher's top-k cache.")
    train: TrainSettings = Field(default_factory=TrainSettings, description="The KD stage (train's settings).")  # type: ignore[valid-type]
    eval: EvalSettings = Field(default_factory=EvalSettings, description="The evaluation stage.")
    seed: int = Field(0, description="Seed for expand, the category cap and the held-out split.")

    @field_validator("source", mode="before")
    @classmethod
    def _path_alone(cls, value: Any) -> Any:
        return {"path": str(value)} if isinstance(value, str | Path) else value

    @model_validator(mode="after")
    def _a_white_box_teacher(self) -> RecipeJob:
        """The cache and KD stages read the teacher's log-probs, which only a local model gives: an API
        teacher would spend every call of the data stages first and then fail at the cache."""
        from distillscope.models.spec import parse_spec

        spec = self.models.resolve(self.teacher).spec if self.teacher in self.models else self.teacher
        try:
            backend = parse_spec(spec).backend
        except ModelSpecError:
            return self  # named when the teacher is loaded, with its own message
        if backend != "hf":
            raise ValueError(
                f"teacher {self.teacher!r} is not a local model (hf:...); the recipe's cache and KD stages need "
                "its log-probs: give an hf: teacher, and an API model as `writer` if it should write the data"
            )
        return self

    @property
    def data_writer(self) -> str:
        return self.writer or self.teacher

    def folder(self, name: str) -> Path:
        return self.output / name


Stage = Callable[[str], None]
Count = Callable[[int], None]


class RecipeSummary(BaseModel):
    output: Path
    prompts: int
    expand: dict[str, Any] | None
    generate: dict[str, Any]
    train_records: int
    heldout_records: int | None
    cache: dict[str, Any]
    train: dict[str, Any]
    eval_before: EvalReport | None
    eval_after: EvalReport


async def _expanded_prompts(job: RecipeJob, store: RunStore) -> tuple[list[PromptItem], ExpandStats | None]:
    """The seed prompts and the new instructions written in their spirit, through the run store."""
    items = load_prompt_items(job.source)
    if job.expand is None:
        return items, None
    async with Run(store, "recipe-expand", job.model_dump(mode="json"), job.models) as run:
        writer = run.model(job.data_writer)
        new, stats, _ = await expand_tasks(writer, items, job.expand, job.generate.params, job.seed)
    return items + new, stats


def _prompts_file(job: RecipeJob, items: list[PromptItem]) -> Path:
    path = job.folder("data") / "prompts.jsonl"
    write_jsonl(path, [item.to_record() for item in items])
    return path


def _generate_job(job: RecipeJob, prompts: Path) -> GenerateJob:
    settings = job.generate
    return GenerateJob(
        teacher=job.data_writer,
        models=job.models,
        source=PromptSource(path=str(prompts)),
        output=job.folder("data") / "generated.jsonl",
        mode=settings.mode,
        params=settings.params,
        system=settings.system,
        n=settings.n,
        filters=settings.filters,
        judge=settings.judge,
        seed=job.seed,
    )


def split_records(job: RecipeJob, generated: Path) -> tuple[Path, Path | None, int, int | None]:
    """(training file, held-out file or None, their sizes): a seeded share is held out for eval."""
    records = [record for _, record in read_jsonl(generated)]
    hold = 0 if job.eval.data is not None else max(1, round(job.eval.holdout * len(records)))
    if len(records) - hold < 1:
        raise InputError(
            f"the filters kept {len(records)} records: too few to train on and hold out {hold}",
            path=generated,
            hint="add prompts, loosen the filters, or give eval.data",
        )
    order = list(range(len(records)))
    random.Random(f"{job.seed}:holdout").shuffle(order)
    held = set(order[:hold])
    train_path = job.folder("data") / "train.jsonl"
    write_jsonl(train_path, [r for i, r in enumerate(records) if i not in held])
    if not hold:
        return train_path, None, len(records), None
    held_path = job.folder("data") / "heldout.jsonl"
    write_jsonl(held_path, [r for i, r in enumerate(records) if i in held])
    return train_path, held_path, len(records) - hold, hold


def _cache_job(job: RecipeJob, data: Path) -> TeacherCacheJob:
    settings = job.train
    return TeacherCacheJob(
        teacher=job.teacher,
        data=str(data),
        output=job.folder("cache"),
        k=job.cache.k,
        temperature=settings.loss.temperature,
        max_length=settings.max_length,
        batch_size=job.cache.batch_size,
        device=settings.device,
        dtype=settings.teacher_dtype,
        trust_remote_code=settings.trust_remote_code,
    )


def _current_cache(job: TeacherCacheJob) -> TeacherCache | None:
    """The cache already built for exactly this job's data, k and temperature, if there is one."""
    from distillscope.distill.common.dataset import build_examples, load_training_records
    from distillscope.distill.common.loading import load_tokenizer

    try:
        cache = TeacherCache.open(job.output)
    except InputError:
        return None
    meta = cache.meta
    if (meta.k, meta.temperature, meta.teacher) != (job.k, job.temperature, job.teacher):
        return None
    tokenizer = load_tokenizer(job.teacher, job.trust_remote_code)
    examples = build_examples(tokenizer, load_training_records(job.data), job.max_length, job.data)
    try:
        cache.check_matches(examples)
    except InputError:
        return None
    return cache


def _train_job(job: RecipeJob, data: Path, cache: Path) -> TrainJob:
    settings = job.train.model_dump()
    return TrainJob(
        **settings, mode="kd-offline", student=job.student, teacher_cache=cache, data=str(data),
        output=job.folder("student"),
    )  # fmt: skip


def _eval(job: RecipeJob, student: str, data: Path | str, on_start: Count, on_count: Count) -> EvalReport:
    settings = job.train
    eval_job = EvalJob(
        student=student,
        teacher=job.teacher,
        data=str(data),
        split=job.eval.split,
        max_length=settings.max_length,
        batch_size=job.eval.batch_size,
        device=settings.device,
        trust_remote_code=settings.trust_remote_code,
    )
    return evaluate(eval_job, on_start=on_start, on_batch=on_count)


def _generate_record(summary: GenerateSummary) -> dict[str, Any]:
    record = summary.to_dict()
    return {k: record[k] for k in ("output", "rejected", "run_id", "mode", "prompts", "requested", "kept", "dropped")}


def _train_record(summary: TrainSummary) -> dict[str, Any]:
    return {
        "output": str(summary.output),
        "steps": summary.steps,
        "examples": summary.examples,
        "trained_tokens": summary.trained_tokens,
        "train_loss": summary.metrics.get("train_loss"),
        "already_done": summary.already_done,
    }


def run_recipe(
    job: RecipeJob,
    store: RunStore,
    on_stage: Stage | None = None,
    on_start: Count | None = None,
    on_count: Count | None = None,
) -> RecipeSummary:
    """Run every stage in order; each reports `on_stage(name)`, then `on_start(total)` and `on_count(n)`."""
    say = on_stage or (lambda _: None)
    started = on_start or (lambda _: None)
    tick = on_count or (lambda _: None)
    say("expand: new instructions")
    items, expand_stats = asyncio.run(_expanded_prompts(job, store))
    prompts = _prompts_file(job, items)
    say(f"generate ({job.generate.mode}): answers, filters, answer checks")
    generate_job = _generate_job(job, prompts)
    generated = asyncio.run(generate_data(generate_job, store, on_start=started, on_result=lambda _: tick(1)))
    train_path, held_path, train_records, held_records = split_records(job, generate_job.output)
    say("teacher-cache: the teacher's top-k log-probs")
    cache_job = _cache_job(job, train_path)
    cache = _current_cache(cache_job) or run_teacher_cache(cache_job, on_start=started, on_batch=tick)
    say("train: KD from the cached teacher")
    trained = train(_train_job(job, train_path, cache.folder), on_start=started, on_step=lambda _: tick(1))
    say("eval: the student before and after, against the teacher")
    eval_data = job.eval.data or held_path
    assert eval_data is not None
    before = _eval(job, job.student, eval_data, started, tick) if job.eval.baseline else None
    after = _eval(job, str(trained.output), eval_data, started, tick)
    summary = RecipeSummary(
        output=job.output,
        prompts=len(items),
        expand=None if expand_stats is None else asdict(expand_stats),
        generate=_generate_record(generated),
        train_records=train_records,
        heldout_records=held_records,
        cache={"folder": str(cache.folder), **cache.meta.model_dump(exclude={"offsets"})},
        train=_train_record(trained),
        eval_before=before,
        eval_after=after,
    )
    write_atomic(job.output / SUMMARY_FILE, json.dumps(summary.model_dump(mode="json"), indent=2) + "\n")
    return summary
