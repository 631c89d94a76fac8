"""`prune`: Minitron structured pruning, from a trained model to a smaller Hugging Face folder.

1. The model runs over a calibration set (the training data format; Minitron used about 1,024
   samples), and hooks measure the importance of every head, neuron, channel and layer.
2. The least important are removed to reach the target sizes: width (hidden size, MLP size,
   heads), depth (layers), or both at once.
3. The smaller model is saved with the original tokenizer, and the rankings go beside it in
   `pruning.json`. It is an ordinary model folder: transformers loads it, and so does every
   distillscope command.

Pruning alone loses much of what the model knew; recovery is logit distillation from the
original: `distillscope train --mode kd --student <pruned> --teacher <original>`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field, model_validator

from distillscope.distill.common.dataset import DistillCollator, Example, build_examples, load_training_records
from distillscope.distill.common.loading import load_model, model_source
from distillscope.distill.pruning.architecture import Shape, parameter_count, require_supported, shape_of
from distillscope.distill.pruning.importance import (
    Importance,
    ImportanceSettings,
    estimate_importance,
    layer_measure,
)
from distillscope.distill.pruning.slicing import HeadUnit, KeepPlan, Targets, build_pruned, new_shape, plan_keep
from distillscope.errors import InputError, ModelFolderError
from distillscope.fileio.files import write_atomic
from distillscope.models.config import Dtype
from distillscope.models.hf_loading import pretrained_location

REPORT_FILE = "pruning.json"


class PruneJob(BaseModel):
    """What `distillscope prune` does; the YAML file and the flags fill the same fields."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="The trained model to prune: hf:./folder or a hub id.")
    calibration: str = Field(description='Calibration data: JSONL of {"text": ...} or {"messages": [...]}, or hf:NAME.')
    split: str = Field("train", description="Split, for hub datasets.")
    output: Path = Field(description="Folder for the pruned model and pruning.json.")
    hidden_size: int | None = Field(None, ge=1, description="Target hidden size (embedding channels).")
    intermediate_size: int | None = Field(None, ge=1, description="Target MLP size (neurons per layer).")
    num_heads: int | None = Field(None, ge=1, description="Target query heads per layer.")
    head_unit: HeadUnit = Field("group", description="group: remove whole KV groups; head: query heads evenly.")
    num_layers: int | None = Field(None, ge=1, description="Target layer count (depth pruning).")
    importance: ImportanceSettings = Field(default_factory=ImportanceSettings, description="How importance is read.")
    samples: int = Field(1024, ge=1, description="Calibration examples (a seeded sample when the data has more).")
    max_length: int = Field(512, ge=8, description="Tokens per calibration example.")
    batch_size: int = Field(8, ge=1, description="Calibration examples per forward pass.")
    seed: int = Field(0, description="Seed for the calibration sample.")
    device: str = Field("auto", description="'auto', 'cpu' or 'cuda'.")
    dtype: Dtype = Field("auto", description="Dtype the model is loaded and saved in.")
    trust_remote_code: bool = Field(False, description="Run code shipped with the model. Off by default.")

    @model_validator(mode="after")
    def _something_to_prune(self) -> PruneJob:
        """With no target size, pruning would write a copy of the model under another name."""
        if all(v is None for v in (self.hidden_size, self.intermediate_size, self.num_heads, self.num_layers)):
            raise ValueError(
                "no target size: give at least one of hidden_size, intermediate_size, num_heads or num_layers"
            )
        return self

    def targets(self) -> Targets:
        return Targets(self.hidden_size, self.intermediate_size, self.num_heads, self.num_layers, self.head_unit)


@dataclass
class PruneSummary:
    output: Path
    before: Shape
    after: Shape
    parameters_before: int
    parameters_after: int
    kept_layers: list[int]
    calibration_samples: int
    calibration_tokens: int
    baseline_loss: float

    @property
    def ratio(self) -> float:
        return self.parameters_after / max(1, self.parameters_before)


def calibration_examples(job: PruneJob, tokenizer: Any) -> list[Example]:
    records = load_training_records(job.calibration, job.split)
    if len(records) > job.samples:
        keep = sorted(random.Random(job.seed).sample(range(len(records)), job.samples))
        records = [records[i] for i in keep]
    return build_examples(tokenizer, records, job.max_length, job.calibration)


def calibration_batches(examples: list[Example], pad_id: int, size: int, device: torch.device) -> list[dict]:
    collate = DistillCollator(pad_id)
    batches = []
    for lo in range(0, len(examples), size):
        batch = collate([{"input_ids": e.input_ids, "labels": e.labels} for e in examples[lo : lo + size]])
        batches.append({k: v.to(device) for k, v in batch.items()})
    return batches


def _rounded(values: list[float]) -> list[float]:
    return [float(f"{v:.6g}") for v in values]


def pruning_report(job: PruneJob, importance: Importance, plan: KeepPlan, summary: PruneSummary) -> dict[str, Any]:
    """Everything needed to see why each structure went: rankings, what was kept, sizes before and after."""
    return {
        "job": job.model_dump(mode="json"),
        "before": asdict(summary.before),
        "after": asdict(summary.after),
        "parameters": {"before": summary.parameters_before, "after": summary.parameters_after},
        "calibration": {"samples": importance.samples, "tokens": importance.tokens, "loss": importance.baseline_loss},
        "kept": {
            "layers": plan.layers,
            "heads": {str(k): v for k, v in plan.heads.items()},
            "kv_heads": {str(k): v for k, v in plan.kv_heads.items()},
            "neurons": {str(k): v for k, v in plan.neurons.items()},
            "channels": plan.channels,
        },
        "importance": {
            "layer_metric": importance.layer_metric,
            "layers": _rounded(importance.layers),
            "heads": [_rounded(row) for row in importance.heads],
            "channels": _rounded(importance.channels),
            "neurons": [_rounded(row) for row in importance.neurons],
        },
    }


def _load_config(job: PruneJob) -> Any:
    from transformers import AutoConfig

    where, gguf = pretrained_location(model_source(job.model))
    try:
        return AutoConfig.from_pretrained(where, trust_remote_code=job.trust_remote_code, **gguf)
    except (OSError, ValueError) as exc:
        raise ModelFolderError(f"cannot read the config of {job.model}: {str(exc).splitlines()[0]}") from exc


def _save_tokenizer(job: PruneJob) -> None:
    """The original tokenizer, files as they were (no pad token invented), beside the pruned weights."""
    from transformers import AutoTokenizer

    where, gguf = pretrained_location(model_source(job.model))
    tokenizer = AutoTokenizer.from_pretrained(where, trust_remote_code=job.trust_remote_code, **gguf)
    tokenizer.save_pretrained(job.output)


def run_prune(
    job: PruneJob,
    on_stage: Callable[[str], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> PruneSummary:
    """Measure importance on the calibration set, prune to the targets and save the smaller model."""
    from distillscope.distill.common.loading import load_tokenizer

    say = on_stage or (lambda _: None)
    config = _load_config(job)
    require_supported(config)
    before = shape_of(config)
    after = new_shape(before, job.targets())  # an impossible target fails before any weight is loaded
    if job.hidden_size is not None and after.hidden % after.heads:
        # the saved config would not load: transformers splits hidden_size evenly over the heads
        raise InputError(
            f"hidden_size {after.hidden} is not divisible by the {after.heads} attention heads",
            hint=f"choose a multiple of {after.heads}",
        )
    say("loading the model and the calibration set")
    tokenizer = load_tokenizer(job.model, job.trust_remote_code)
    model = load_model(job.model, dtype=job.dtype, device=job.device, trust_remote_code=job.trust_remote_code)
    examples = calibration_examples(job, tokenizer)
    device = next(model.parameters()).device
    batches = calibration_batches(examples, tokenizer.pad_token_id, job.batch_size, device)
    say("measuring importance")
    cuts_layers = after.layers < before.layers
    if on_start is not None:
        passes = 1 + (before.layers if layer_measure(job.importance, cuts_layers) == "loss" else 0)
        on_start(passes * len(batches))
    importance = estimate_importance(model, batches, job.importance, on_batch, cuts_layers=cuts_layers)
    say("pruning and saving")
    plan = plan_keep(importance, before, job.targets())
    small = build_pruned(model, plan)
    job.output.mkdir(parents=True, exist_ok=True)
    small.save_pretrained(job.output)
    _save_tokenizer(job)
    summary = PruneSummary(
        output=job.output,
        before=before,
        after=plan.shape,
        parameters_before=parameter_count(model),
        parameters_after=parameter_count(small),
        kept_layers=plan.layers,
        calibration_samples=importance.samples,
        calibration_tokens=importance.tokens,
        baseline_loss=importance.baseline_loss,
    )
    report = pruning_report(job, importance, plan, summary)
    write_atomic(job.output / REPORT_FILE, json.dumps(report, indent=1) + "\n")
    return summary
