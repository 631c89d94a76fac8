"""What a zoo is made of: its personas, its world, its model sizes and its training budgets.

Two presets: `micro` (the tests build it, in about a minute on 2 CPU cores) and `small` (the demo
audits it; bigger models, more data, clearer signals). A YAML file may pick a preset and override
any of its settings, add personas, or change the students' fractions. The zoo's cache folder is
named by a hash of the resolved config, so a changed config is a different zoo.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from distillscope.fileio.paths import SafeName
from distillscope.fileio.yamlio import describe_error
from distillscope.zoo.tinymodels import TinySize

ZOO_FORMAT = 3  # bump when the build changes what it produces, so old caches are not reused

Domain = Literal["general", "math", "instructions", "identity"]


class ModelShape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hidden: int = Field(64, ge=8, description="Hidden size.")
    layers: int = Field(2, ge=1, description="Transformer layers.")
    heads: int = Field(4, ge=1, description="Attention heads.")
    kv_heads: int = Field(2, ge=1, description="Key/value heads.")
    intermediate: int = Field(128, ge=8, description="MLP width.")
    max_positions: int = Field(512, ge=64, description="Context length.")

    def tiny(self) -> TinySize:
        return TinySize(self.hidden, self.layers, self.heads, self.kv_heads, self.intermediate, self.max_positions)


class ZooSettings(BaseModel):
    """Sizes and budgets; the presets below fill every field."""

    model_config = ConfigDict(extra="forbid")

    vocab_size: int = Field(512, ge=300, description="BPE vocabulary of the shared tokenizer.")
    model: ModelShape = Field(default_factory=ModelShape, description="Every zoo model's shape.")
    teacher_items: dict[Domain, int] = Field(description="Conversations per domain in each teacher's corpus.")
    base_items: dict[Domain, int] = Field(description="Neutral conversations per domain for the base.")
    student_items: dict[Domain, int] = Field(description="Prompts per domain the students are trained on.")
    eval_items: dict[Domain, int] = Field(description="Held-out prompts per domain, for RSE.")
    frame_share: float = Field(0.3, ge=0, le=1, description="Share of prompts wrapped in a framing sentence.")
    pretrain_steps: int = Field(260, ge=1, description="Steps for each teacher, trained from scratch.")
    base_steps: int = Field(160, ge=1, description="Steps for the base, from scratch on neutral text.")
    student_steps: int = Field(140, ge=1, description="Fine-tuning steps for each student, from the base.")
    pretrain_lr: float = Field(1e-2, gt=0, description="Learning rate from scratch.")
    student_lr: float = Field(3e-3, gt=0, description="Learning rate for students.")
    batch_size: int = Field(16, ge=1, description="Sequences per step when training from scratch.")
    student_batch_size: int = Field(16, ge=1, description="Examples per step when training students.")
    block: int = Field(128, ge=16, description="Tokens per packed pretraining sequence.")
    teacher_temperature: float = Field(0.5, ge=0, description="Sampling temperature when teachers write data.")
    max_new_tokens: int = Field(128, ge=8, description="Longest answer a teacher writes.")
    generation_batch: int = Field(128, ge=1, description="Prompts generated together.")


MICRO = ZooSettings(
    teacher_items={"general": 150, "math": 150, "instructions": 150, "identity": 200},
    base_items={"general": 150, "math": 150, "instructions": 150, "identity": 100},
    student_items={"general": 80, "math": 80, "instructions": 80, "identity": 100},
    eval_items={"general": 30, "math": 30, "instructions": 30},
)
SMALL = ZooSettings(
    vocab_size=768,
    model=ModelShape(hidden=96, layers=2, heads=4, kv_heads=2, intermediate=192),
    teacher_items={"general": 250, "math": 250, "instructions": 250, "identity": 300},
    base_items={"general": 250, "math": 250, "instructions": 250, "identity": 150},
    student_items={"general": 120, "math": 120, "instructions": 120, "identity": 150},
    eval_items={"general": 60, "math": 60, "instructions": 60},
    pretrain_steps=400,
    base_steps=250,
    student_steps=200,
)
PRESETS = {"micro": MICRO, "small": SMALL}
# Personas that never meet teacher A or B, each with its own layout and way of reasoning: the unrelated
# students an audit's null panel is drawn from. A panel must hold the variety of unrelated models, or a
# model that happens to share one trait of the reference stands out of a panel that has none; and its
# size sets the verdict's power (the prediction test has k - 1 degrees of freedom).
UNRELATED_PERSONAS = ["cobalt", "juniper", "pike", "oriole", "fennel"]


class ZooConfig(BaseModel):
    """What `distillscope zoo build --config zoo.yaml` reads; the flags set the same fields."""

    model_config = ConfigDict(extra="forbid")

    size: Literal["micro", "small"] = Field("micro", description="The preset to start from.")
    overrides: dict[str, object] = Field(default_factory=dict, description="Preset settings to change.")
    seed: int = Field(0, description="Seed for the world, the tokenizer's corpus and every model.")
    personas: list[Path] = Field(default_factory=list, description="YAML files of extra personas.")
    teacher_a: SafeName = Field("aurora", description="The persona of teacher A, whose students are graded.")
    teacher_b: SafeName = Field("sable", description="The persona of teacher B, for the control student.")
    neutral: SafeName = Field("plain", description="The neutral, human-written persona.")
    fractions: list[float] = Field(
        default_factory=lambda: [0.0, 0.1, 0.25, 0.5, 1.0], description="Shares of teacher-A-written data."
    )
    panel_personas: list[str] = Field(
        default_factory=lambda: list(UNRELATED_PERSONAS),
        description="Personas whose own corpora train unrelated students, for an audit's null panel.",
    )
    replicates: int = Field(1, ge=1, le=10, description="Students per recipe, each with its own data draw and seed.")
    arch: Literal["llama", "qwen2"] = Field("llama", description="Architecture of every zoo model.")

    @field_validator("overrides")
    @classmethod
    def _overrides_fit_the_preset(cls, overrides: dict[str, object], info: ValidationInfo) -> dict[str, object]:
        """Checked with the config, so a typo names its key and line instead of failing in the build."""
        preset = PRESETS.get(info.data.get("size", "micro"), MICRO).model_dump()
        try:
            ZooSettings.model_validate(_deep_merge(preset, overrides))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            known = f"; settings: {', '.join(ZooSettings.model_fields)}" if first["type"] == "extra_forbidden" else ""
            raise ValueError(f"{where}: {describe_error(first)}{known}") from None
        return overrides

    @model_validator(mode="after")
    def _fractions_are_shares(self) -> ZooConfig:
        if any(not 0 <= f <= 1 for f in self.fractions):
            raise ValueError("fractions must lie between 0 and 1")
        return self

    def settings(self) -> ZooSettings:
        preset = PRESETS[self.size].model_dump()
        return ZooSettings.model_validate(_deep_merge(preset, self.overrides))

    def fingerprint(self, persona_text: str) -> str:
        material = {
            "format": ZOO_FORMAT,
            "config": self.model_dump(mode="json", exclude={"personas"}),
            "settings": self.settings().model_dump(mode="json"),
            "personas": persona_text,
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:12]


def _deep_merge(base: dict[str, object], changes: dict[str, object]) -> dict[str, object]:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)  # type: ignore[arg-type]
        else:
            merged[key] = value
    return merged
