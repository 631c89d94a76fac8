"""Training a student: SFT on teacher-written data, or logit distillation from a teacher.

This module turns a `TrainJob` (the YAML file and the flags) into a run of the distilling trainer
(trainer.py): it loads the student, the data and the teacher (live, cached, or with another
tokenizer when `cross_tokenizer` opts in), checks them against each other, and resumes or skips
a job already done. Its loss is w * T^2 * KD + (1 - w) * CE over the assistant's tokens; with
`on_policy` λ > 0 a share λ of the batches is completed by the student first (GKD).

The output folder is a standard Hugging Face model folder (weights, config, tokenizer and chat
template), with the resolved job beside it, so any tool can load the student.

Under `accelerate launch` every process runs this function on its own shard of each batch (the
Trainer's sampler deals them out); the first process alone writes the folder, the job record and
the checkpoint marker, and the others wait for it (ranks.py). Both models go on the process's own
device. FSDP and DeepSpeed come from the launcher's config and reach the Trainer untouched.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field, model_validator
from transformers import TrainerCallback, TrainingArguments

from distillscope.distill.common import ranks
from distillscope.distill.common.compat import require_compatible
from distillscope.distill.common.dataset import DistillCollator, Example, build_examples, load_training_records
from distillscope.distill.common.loading import load_model, load_tokenizer, vocab_rows
from distillscope.distill.signal.cross_tokenizer import CROSS_TOKENIZER_LOSSES, build_aligned_examples
from distillscope.distill.signal.loss_config import KDLoss
from distillscope.distill.signal.teacher_cache import TeacherCache
from distillscope.distill.training import on_policy
from distillscope.distill.training.trainer import DistillSetup, DistillTrainer, Mode
from distillscope.errors import InputError
from distillscope.fileio.paths import check_output_folder, job_inputs
from distillscope.models.config import Dtype

JOB_FILE = "distillscope-train.json"


class LoraSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    r: int = Field(16, ge=1, description="Adapter rank.")
    alpha: int = Field(32, ge=1, description="Adapter scaling (lora_alpha).")
    dropout: float = Field(0.05, ge=0, lt=1, description="Dropout on the adapter input.")
    target_modules: list[str] | str = Field("all-linear", description="Modules to adapt; 'all-linear' for all.")


class TrainJob(BaseModel):
    """Everything `distillscope train` does; the YAML file and the flags fill the same fields."""

    model_config = ConfigDict(extra="forbid")

    mode: Mode = Field("sft", description="sft: teacher-written data; kd: logits of a live teacher; kd-offline: cache.")
    student: str = Field(description="The model to start from: hf:./folder or a hub id.")
    teacher: str | None = Field(None, description="For kd: the teacher model (same tokenizer).")
    teacher_cache: Path | None = Field(None, description="For kd-offline: a folder from `distillscope teacher-cache`.")
    data: str = Field(
        description='Training data: JSONL/JSON/Parquet of {"messages": [...]} or {"text": ...}, or hf:NAME.'
    )
    split: str = Field("train", description="Split, for hub datasets.")
    output: Path = Field(description="Where the trained student goes (a Hugging Face model folder).")
    loss: KDLoss = Field(default_factory=KDLoss, description="The distillation loss.")
    max_length: int = Field(1024, ge=8, description="Tokens per example; longer ones are truncated.")
    epochs: float = Field(1.0, gt=0, description="Passes over the data (ignored when max_steps is set).")
    max_steps: int = Field(-1, description="Optimizer steps; -1 runs the epochs.")
    batch_size: int = Field(8, ge=1, description="Examples per device per step.")
    grad_accum: int = Field(1, ge=1, description="Gradient accumulation steps.")
    learning_rate: float = Field(2e-5, gt=0, description="Peak learning rate.")
    lr_scheduler: str = Field("cosine", description="Any transformers scheduler name.")
    warmup_ratio: float = Field(0.03, ge=0, lt=1, description="Fraction of steps spent warming up.")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay.")
    precision: Literal["fp32", "bf16", "fp16"] = Field("fp32", description="Mixed precision (bf16/fp16 need a GPU).")
    gradient_checkpointing: bool = Field(False, description="Trade compute for activation memory.")
    lora: LoraSettings | None = Field(
        None, description="Train LoRA adapters (merged into the output) instead of all weights."
    )
    save_steps: int = Field(500, ge=1, description="Checkpoint every this many steps.")
    save_total_limit: int = Field(2, ge=1, description="Checkpoints kept.")
    resume: bool = Field(True, description="Resume from the newest checkpoint in the output folder, if any.")
    logging_steps: int = Field(10, ge=1, description="Log losses every this many steps.")
    seed: int = Field(0, description="Seed for initialisation, data order and dropout.")
    device: str = Field(
        "auto", description="'auto', 'cpu' or 'cuda'; under `accelerate launch` each process takes its own device."
    )
    teacher_dtype: Dtype = Field(
        "auto", description="The teacher's dtype ('auto': float32 on CPU, checkpoint's on GPU)."
    )
    trust_remote_code: bool = Field(False, description="Run code shipped with the models. Off by default.")
    allow_chat_template_mismatch: bool = Field(False, description="Let kd proceed when only the chat templates differ.")
    on_policy: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of batches the student completes itself before the teacher scores them (kd; GKD's λ).",
    )
    max_new_tokens: int = Field(128, ge=1, description="Longest completion the student samples on-policy.")
    cross_tokenizer: Literal["uld"] | None = Field(
        None,
        description="Distil a teacher with another tokenizer: uld aligns positions by text and compares "
        "sorted probabilities (kd). Off: a tokenizer mismatch stops KD.",
    )

    @model_validator(mode="after")
    def _teacher_for_mode(self) -> TrainJob:
        if self.mode == "kd" and not self.teacher:
            raise ValueError("mode kd needs a teacher")
        if self.mode == "kd-offline" and self.teacher_cache is None:
            raise ValueError("mode kd-offline needs a teacher_cache")
        if self.on_policy > 0 and self.mode != "kd":
            raise ValueError("on_policy needs mode kd: a live teacher scores the student's own completions")
        if self.cross_tokenizer is not None:
            if self.mode != "kd":
                raise ValueError("cross_tokenizer needs mode kd (a live teacher)")
            if self.on_policy > 0:
                raise ValueError("cross_tokenizer and on_policy cannot be combined yet")
            if "name" in self.loss.model_fields_set and self.loss.name not in CROSS_TOKENIZER_LOSSES:
                raise ValueError(
                    f"loss {self.loss.name} compares token by token over one vocabulary; across tokenizers use "
                    + " or ".join(CROSS_TOKENIZER_LOSSES)
                )
            self.loss = self.loss.model_copy(update={"name": self.cross_tokenizer})
        return self


class _ProgressCallback(TrainerCallback):
    """Reports each finished step with the latest logs. A step that logs is reported once its own
    logs exist: the Trainer ends the step first and logs after it."""

    def __init__(self, on_start: Callable[[int], None] | None, on_step: Callable[[dict[str, float]], None] | None):
        self.on_start_cb, self.on_step_cb, self.last_logs = on_start, on_step, {}
        self._pending = self._quiet = False

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.on_start_cb is not None and state.is_world_process_zero:
            self.on_start_cb(state.max_steps)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kwargs: Any) -> None:
        self.last_logs = dict(logs or {})
        if self._pending:
            self._pending = False
            self._report()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._quiet = not state.is_world_process_zero  # every rank trains; the first one reports
        if control.should_log:
            self._pending = True
        else:
            self._report()

    def _report(self) -> None:
        if self.on_step_cb is not None and not self._quiet:
            self.on_step_cb(self.last_logs)


@dataclass
class TrainSummary:
    output: Path
    steps: int
    examples: int
    trained_tokens: int
    runtime_s: float
    metrics: dict[str, float]
    resumed_from: str | None
    already_done: bool = False
    processes: int = 1


def job_fingerprint(job: TrainJob) -> str:
    """What makes two runs the same training: every setting except whether to resume."""
    settings = job.model_dump(mode="json", exclude={"resume"})
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def _finished_summary(job: TrainJob, fingerprint: str) -> TrainSummary | None:
    """The summary of this exact job if it already finished in this output folder."""
    path = job.output / JOB_FILE
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    if record.get("fingerprint") != fingerprint:
        return None
    return TrainSummary(
        output=job.output,
        steps=record["steps"],
        examples=record["examples"],
        trained_tokens=record["trained_tokens"],
        runtime_s=0.0,
        metrics=record["metrics"],
        resumed_from=None,
        already_done=True,
        processes=record.get("processes", 1),
    )


def _checkpoint_to_resume(job: TrainJob, fingerprint: str, writer: bool = True) -> str | None:
    """The newest checkpoint of this same job, if resuming; stale checkpoints of another job are an error.

    Only the writer clears old checkpoints and marks the folder; the other processes come after it
    and only read, so every rank resumes from the same checkpoint."""
    from transformers.trainer_utils import get_last_checkpoint

    folder = job.output / "checkpoints"
    marker = folder / "fingerprint.txt"
    if writer and folder.is_dir() and not job.resume:
        shutil.rmtree(folder)
    if folder.is_dir() and marker.exists() and marker.read_text().strip() != fingerprint:
        raise InputError(
            "the output folder holds checkpoints of a different training job",
            path=folder,
            hint="choose another --output, or set resume: false to start over",
        )
    last = get_last_checkpoint(str(folder)) if folder.is_dir() else None
    if writer:
        folder.mkdir(parents=True, exist_ok=True)
        marker.write_text(fingerprint)
    return last


def _require_precision_support(job: TrainJob) -> None:
    if job.precision != "fp32" and not torch.cuda.is_available():
        raise InputError(f"precision {job.precision} needs a CUDA GPU", hint="use precision fp32 on a CPU")


def _wrap_lora(model: Any, lora: LoraSettings) -> Any:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        task_type="CAUSAL_LM",
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=lora.target_modules,
    )
    return get_peft_model(model, config)


@dataclass
class Teacher:
    """What the loss learns from: a live model or a cache, and the vocabulary sizes involved."""

    model: Any | None
    cache: TeacherCache | None
    vocab: int  # the student's logits used (shared with the teacher, unless cross-tokenizer)
    teacher_vocab: int | None = None  # the teacher's own, for a teacher with another tokenizer


def prepare_teacher(
    job: TrainJob,
    tokenizer: Any,
    teacher_tokenizer: Any,
    student: Any,
    examples: list[Example],
    device: str | None = None,
) -> Teacher:
    """The live teacher (on `device`, the process's own) or the cache, checked against the student and the data."""
    if job.mode == "kd":
        assert job.teacher is not None
        teacher = load_model(
            job.teacher, dtype=job.teacher_dtype, device=device or job.device, trust_remote_code=job.trust_remote_code
        )
        teacher.eval().requires_grad_(False)
        if job.cross_tokenizer is not None:
            return Teacher(teacher, None, vocab_rows(student), vocab_rows(teacher))
        vocab = require_compatible(
            tokenizer, teacher_tokenizer, vocab_rows(student), vocab_rows(teacher), job.allow_chat_template_mismatch
        )
        return Teacher(teacher, None, vocab)
    if job.mode == "kd-offline":
        assert job.teacher_cache is not None
        cache = TeacherCache.open(job.teacher_cache)
        cache.check_matches(examples)
        cache.check_temperature(job.loss.temperature)
        return Teacher(None, cache, min(vocab_rows(student), cache.meta.vocab_size))
    return Teacher(None, None, vocab_rows(student))


def training_rows(
    job: TrainJob, records: list[tuple[int, dict[str, Any]]], tokenizer: Any, teacher_tokenizer: Any
) -> tuple[list[Example], list[dict[str, Any]]]:
    """The examples, and the dataset rows the collator reads (with the teacher's own token ids and
    the aligned positions, for a teacher with another tokenizer)."""
    if job.cross_tokenizer is None:
        examples = build_examples(tokenizer, records, job.max_length, job.data)
        rows = [{"input_ids": e.input_ids, "labels": e.labels, "index": i} for i, e in enumerate(examples)]
    else:
        aligned = build_aligned_examples(tokenizer, teacher_tokenizer, records, job.max_length, job.data)
        examples = [a.student for a in aligned]
        rows = [
            {
                "input_ids": a.student.input_ids,
                "labels": a.student.labels,
                "index": i,
                "teacher_input_ids": a.teacher_ids,
                "align_student": a.student_index,
                "align_teacher": a.teacher_positions,
            }
            for i, a in enumerate(aligned)
        ]
    if job.on_policy > 0 and any(e.loss_positions[0] == 0 for e in examples):
        raise InputError(
            "on-policy distillation needs a prompt before each trained turn; a record trains from its first token",
            path=job.data,
            hint='use chat records ({"messages": [...]}) whose assistant turn follows a user turn',
        )
    return examples, rows


def _setup(job: TrainJob, teacher: Teacher, tokenizer: Any, student: Any) -> DistillSetup:
    eos = getattr(student.generation_config, "eos_token_id", None) or tokenizer.eos_token_id
    return DistillSetup(
        job.mode,
        job.loss,
        teacher.vocab,
        teacher.model,
        on_policy=job.on_policy,
        seed=job.seed,
        generation=on_policy.generation_settings(job.max_new_tokens, tokenizer.pad_token_id, eos),
        pad_token_id=tokenizer.pad_token_id,
        teacher_vocab=teacher.teacher_vocab,
    )


def training_arguments(job: TrainJob) -> TrainingArguments:
    return TrainingArguments(
        output_dir=str(job.output / "checkpoints"),
        num_train_epochs=job.epochs,
        max_steps=job.max_steps,
        per_device_train_batch_size=job.batch_size,
        gradient_accumulation_steps=job.grad_accum,
        learning_rate=job.learning_rate,
        lr_scheduler_type=job.lr_scheduler,
        warmup_steps=job.warmup_ratio,  # a fraction below 1 means a ratio of the total steps
        weight_decay=job.weight_decay,
        bf16=job.precision == "bf16",
        fp16=job.precision == "fp16",
        use_cpu=ranks.use_cpu(job.device),
        activation_checkpointing=job.gradient_checkpointing,
        save_strategy="steps",
        save_steps=job.save_steps,
        save_total_limit=job.save_total_limit,
        logging_steps=job.logging_steps,
        logging_strategy="steps",
        report_to=[],
        seed=job.seed,
        data_seed=job.seed,
        remove_unused_columns=False,
        disable_tqdm=True,
        dataloader_pin_memory=torch.cuda.is_available(),
        # Every weight of the student takes part in each step's loss, as under gradient checkpointing
        # (where the Trainer sets the same): DDP need not search the graph for unused ones.
        ddp_find_unused_parameters=False,
    )


def _write_student(trainer: DistillTrainer, job: TrainJob, tokenizer: Any) -> None:
    """The trained weights into the output folder, written once.

    Every process takes part in gathering them (FSDP and DeepSpeed ZeRO-3 hold shards); only the
    writer saves. LoRA adapters are merged into plain weights on the writer."""
    args = trainer.args
    if job.lora is not None:
        if args.should_save:
            trainer.accelerator.unwrap_model(trainer.model).merge_and_unload().save_pretrained(job.output)
    else:
        weights = trainer.accelerator.get_state_dict(trainer.model_wrapped)
        if args.should_save:
            trainer.accelerator.unwrap_model(trainer.model).save_pretrained(job.output, state_dict=weights)
    if args.should_save:
        tokenizer.save_pretrained(job.output)


def train(
    job: TrainJob,
    on_start: Callable[[int], None] | None = None,
    on_step: Callable[[dict[str, float]], None] | None = None,
) -> TrainSummary:
    """Train the student as `job` says; under `accelerate launch`, called by every process alike."""
    from datasets import Dataset
    from transformers import PrinterCallback

    _require_precision_support(job)
    records = load_training_records(job.data, job.split)  # a bad data file is found before the models load
    check_output_folder(job.output, inputs=[*job_inputs(job), job.student])  # now, not after the training
    fingerprint = job_fingerprint(job)
    if (done := _finished_summary(job, fingerprint)) is not None:
        return done
    args = training_arguments(job)  # under a launcher, this joins the process group
    torch.manual_seed(job.seed)
    tokenizer = load_tokenizer(job.student, job.trust_remote_code)
    teacher_tokenizer = load_tokenizer(job.teacher, job.trust_remote_code) if job.mode == "kd" and job.teacher else None
    # On the CPU the Trainer places the student (or FSDP and DeepSpeed shard it); the teacher goes
    # straight to this process's device, where its batches will be.
    model = load_model(job.student, dtype="float32", device="cpu", trust_remote_code=job.trust_remote_code)
    examples, rows = training_rows(job, records, tokenizer, teacher_tokenizer)
    teacher = prepare_teacher(job, tokenizer, teacher_tokenizer, model, examples, device=str(args.device))
    setup = _setup(job, teacher, tokenizer, model)
    if job.lora is not None:
        model = _wrap_lora(model, job.lora)
    progress = _ProgressCallback(on_start, on_step)
    teacher_pad = teacher_tokenizer.pad_token_id if job.cross_tokenizer is not None else None
    trainer = DistillTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(rows),
        data_collator=DistillCollator(tokenizer.pad_token_id, teacher.cache, teacher_pad),
        callbacks=[progress],
        setup=setup,
    )
    trainer.remove_callback(PrinterCallback)
    with args.main_process_first(local=False, desc="checkpoint folder"):
        last = _checkpoint_to_resume(job, fingerprint, writer=args.should_save)
    started = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=last)
    runtime = time.perf_counter() - started
    _write_student(trainer, job, tokenizer)
    metrics = {k: float(v) for k, v in result.metrics.items() if isinstance(v, int | float)}
    summary = TrainSummary(
        output=job.output,
        steps=int(trainer.state.global_step),
        examples=len(examples),
        trained_tokens=sum(len(e.loss_positions) for e in examples),
        runtime_s=runtime,
        metrics=metrics,
        resumed_from=last,
        processes=args.world_size,
    )
    record = {
        "fingerprint": fingerprint,
        "job": job.model_dump(mode="json"),
        "metrics": metrics,
        "steps": summary.steps,
        "examples": summary.examples,
        "trained_tokens": summary.trained_tokens,
        "resumed_from": last,
        "processes": summary.processes,
        "log": trainer.state.log_history,  # the loss curve stays beside the model when checkpoints go
    }
    if args.should_save:
        (job.output / JOB_FILE).write_text(json.dumps(record, indent=2))
    trainer.accelerator.wait_for_everyone()  # every process returns once the folder is complete
    return summary
