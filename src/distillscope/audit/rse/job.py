"""What an RSE run does: one pydantic model that the YAML config and the CLI flags both fill.

`RSESettings` is everything about *how* RSE measures (prompts, sampling, judges); it is also the
`rse:` section of an audit. `RSEJob` adds *whom* it measures (reference, targets, floor), the model
catalog and where results go: what `distillscope rse` takes on its own.

Sampling parameters are layered the way every command in the project layers them: RSE's own
defaults (below), under a model's defaults from its catalog entry, under what the job sets
explicitly. So a catalog entry `hot: {spec: ..., params: {temperature: 1.0}}` answers hot unless
the job itself sets a temperature for everyone.

Why temperature 0 by default: greedy responses are each model's most typical answer, so a
comparison measures the model rather than one draw's luck, and a rerun reproduces it. The paper
used each API's default sampling: write `params: {temperature: null}` in the YAML config to do the
same, or set a temperature (e.g. `--temperature 1`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from distillscope.data.rse_sets import BUILTIN_SETS
from distillscope.data.sources import PromptSource
from distillscope.fileio.lists import comma_list, one_or_many
from distillscope.judges.similarity.registry import JUDGE_DEFAULTS, JudgeSpec, judge_forms
from distillscope.models.catalog import ModelCatalog, catalog_field
from distillscope.models.config import ModelConfig
from distillscope.models.types import GenerateConfig

ModelRef = str | ModelConfig
SetName = Literal["general", "math", "instructions"]
DEFAULT_JUDGES = ["embedding", "lexical", "style"]

RESPONSE_DEFAULTS = GenerateConfig(temperature=0, max_tokens=1024)
DEFAULT_CEILING_TEMPERATURE = 0.7

__all__ = ["JUDGE_DEFAULTS", "JudgeSpec", "RSEJob", "RSESettings", "label_of", "parse_prompt_source"]


def parse_prompt_source(value: Any) -> Any:
    """`PATH` or `DOMAIN=PATH` (as on the command line) become a PromptSource mapping."""
    if not isinstance(value, str):
        return value
    domain, sep, path = value.partition("=")
    if sep and domain and "/" not in domain and "\\" not in domain:
        return {"path": path, "domain": domain}
    return {"path": value}


class RSESettings(BaseModel):
    """How RSE measures: prompts, sampling and judges. The `rse:` section of an audit."""

    model_config = ConfigDict(extra="forbid")

    floor: ModelRef | None = Field(None, description="An unrelated model, scored as a floor row.")
    prompts: list[PromptSource] = Field(
        default_factory=list,
        description="Prompt files or hub datasets (PATH or DOMAIN=PATH). A set's domain is its `domain`, "
        "else each record's category, else the file name.",
    )
    sets: list[SetName] | None = Field(
        None, description="Built-in sets (general, math, instructions); all three when no prompts are given."
    )
    sample: int | None = Field(None, ge=1, description="Prompts drawn per set (the paper drew 1000), by `seed`.")
    seed: int = Field(0, description="Seed for the prompt sample.")
    params: GenerateConfig = Field(
        default_factory=GenerateConfig,
        description="Sampling for every response; unset fields fall back to the model's own, then to "
        "temperature 0 and max_tokens 1024.",
    )
    samples: int = Field(1, ge=1, description="Responses per prompt from each target (sample i uses seed+i).")
    ceiling: bool = Field(True, description="Score a second, sampled reference response as the ceiling row.")
    ceiling_temperature: float = Field(
        DEFAULT_CEILING_TEMPERATURE,
        gt=0,
        description="Temperature of the ceiling sample when the responses themselves are greedy.",
    )
    judges: list[str | ModelConfig] = Field(
        default_factory=list,
        description=f"{judge_forms()}, or a model spec/name for an LLM judge; default: {', '.join(DEFAULT_JUDGES)}.",
    )
    judge_params: GenerateConfig = Field(
        default_factory=GenerateConfig, description="Sampling for LLM judges (default temperature 0, 300 tokens)."
    )
    judge_retries: int = Field(2, ge=0, description="Retries of an unreadable judge reply before it is unparseable.")
    both_orders: bool = Field(True, description="Judge each pair with the reference shown first and second.")
    signature_words: list[str] | None = Field(
        None, description="The reference's pet words/phrases for the style judge; learned from the run if unset."
    )
    examples: int = Field(3, ge=0, description="Example pairs kept per target and domain for reports.")

    @field_validator("prompts", mode="before")
    @classmethod
    def _prompt_strings(cls, value: Any) -> Any:
        if isinstance(value, str | dict):
            value = [value]
        return [parse_prompt_source(v) for v in value] if isinstance(value, list) else value

    @field_validator("sets", mode="before")
    @classmethod
    def _comma_sets(cls, value: Any) -> Any:
        return comma_list(value)

    def set_names(self) -> list[str]:
        if self.sets is not None:
            return list(self.sets)
        return [] if self.prompts else list(BUILTIN_SETS)

    def judge_specs(self) -> list[JudgeSpec]:
        specs = [JudgeSpec.parse(j) for j in (self.judges or DEFAULT_JUDGES)]
        unique: dict[str, JudgeSpec] = {}
        for spec in specs:
            unique.setdefault(spec.model_dump_json(), spec)
        return list(unique.values())

    def response_config(self, model_defaults: GenerateConfig) -> GenerateConfig:
        return RESPONSE_DEFAULTS.merge(model_defaults).merge(self.params)


class RSEJob(RSESettings):
    """An RSE run: which models answer which prompts, who judges, and where results go."""

    reference: ModelRef = Field(description="The reference model (the suspected teacher): spec, name or config.")
    targets: Annotated[list[ModelRef], BeforeValidator(one_or_many)] = Field(
        min_length=1, description="Models whose similarity to the reference is measured."
    )
    models: ModelCatalog = catalog_field()
    output: Path | None = Field(None, description="Folder for results (JSON, CSV, JSONL).")

    @model_validator(mode="after")
    def _nothing_measured_against_itself(self) -> RSEJob:
        """A target or floor that is the reference scores as high as RSE can: a result with no meaning."""
        for role, ref in [*(("target", t) for t in self.targets), ("floor", self.floor)]:
            if ref is not None and self.models.same(ref, self.reference):
                raise ValueError(
                    f"{role} {label_of(ref)!r} is the reference itself; a model compared with itself measures "
                    "nothing: give another model"
                )
        return self

    @classmethod
    def of(cls, settings: RSESettings, **whom: Any) -> RSEJob:
        """A job from settings and the models to measure; the settings' objects are kept as they are,
        so a sampling config remembers which of its fields were set."""
        return cls.model_validate({**dict(settings), **whom})


def label_of(ref: ModelRef) -> str:
    return ref if isinstance(ref, str) else ref.display_name
