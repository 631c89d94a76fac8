"""How ICE fuzzes and judges (the `ice:` section of an audit), apart from whom it asks.

The settings are what `distillscope audit --help` describes, so they live apart from the job
(`job.py`: targets, families, the fuzz tree's key), whose imports reach the judges and the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from distillscope.audit.ice.mutators import OPERATORS
from distillscope.audit.ice.questions import CATEGORIES
from distillscope.audit.ice.selection import SelectionParams
from distillscope.fileio.lists import comma_list
from distillscope.models.types import GenerateConfig

RULES_JUDGE = "rules"
TARGET_CONFIG = GenerateConfig(temperature=0, max_tokens=256)
Policy = Literal["mcts", "ucb", "exp3", "random", "round-robin"]
# a list field: what its items are called and the names ICE knows
KNOWN = {"operators": ("operator(s)", OPERATORS), "categories": ("categories", CATEGORIES)}


class ICESettings(BaseModel):
    """How ICE fuzzes and judges: the `ice:` section of an audit."""

    model_config = ConfigDict(extra="forbid")

    mutator: str | None = Field(None, description="Model spec of the mutator; the offline mutators when left out.")
    judge: str = Field(
        RULES_JUDGE,
        description="'rules' for the offline judge, a model spec for the LLM judge, or 'rules+SPEC': the rules, "
        "with the LLM judge re-judging every answer in which they read an identity statement.",
    )
    policy: Policy = Field("mcts", description="Seed selection: mcts, ucb, exp3, random or round-robin.")
    selection: SelectionParams = Field(default_factory=SelectionParams, description="Selection policy parameters.")
    operators: list[str] = Field(default_factory=lambda: list(OPERATORS), description="Mutation operators to draw.")
    budget: int = Field(1000, ge=1, description="Most target queries per target (the paper: 1000).")
    max_iterations: int | None = Field(None, ge=1, description="Most fuzzing iterations per target.")
    max_successes: int | None = Field(None, ge=1, description="Stop once this many responses succeeded.")
    seed: int = Field(0, description="Seed of every random choice the fuzzer makes.")
    questions: Path | None = Field(None, description="CSV of identity questions (id, category, language, question).")
    languages: list[str] = Field(default_factory=lambda: ["en", "zh"], description="Question languages to ask.")
    categories: list[str] = Field(default_factory=lambda: list(CATEGORIES), description="Question categories to ask.")
    per_category: int | None = Field(
        5, ge=1, description="Questions per category and language asked through each mutant (all when null)."
    )
    templates: Path | None = Field(None, description="Seed templates: YAML, GPTFuzz CSV or plain text.")
    reward_on: Literal["loose", "strict"] = Field("loose", description="Which verdict counts as a fuzzing success.")
    target_params: GenerateConfig = Field(
        default_factory=lambda: TARGET_CONFIG.model_copy(), description="Sampling parameters for the target."
    )

    @field_validator("languages", "categories", "operators", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        return comma_list(value)

    @field_validator("target_params", mode="before")
    @classmethod
    def _over_defaults(cls, value: Any) -> Any:
        """A YAML `target_params` adjusts the defaults (greedy, 256 tokens) rather than dropping them."""
        if isinstance(value, dict):
            return {**TARGET_CONFIG.model_dump(exclude_unset=True), **value}
        return value

    @field_validator("operators", "categories")
    @classmethod
    def _known_names(cls, value: list[str], info: ValidationInfo) -> list[str]:
        """At least one, and each a name ICE knows (the operators it mutates by, the categories it asks)."""
        what, known = KNOWN[info.field_name or ""]
        unknown = [v for v in value if v not in known]
        if unknown or not value:
            raise ValueError(f"unknown {what} {', '.join(unknown) or '(none)'}; expected {', '.join(known)}")
        return value

    @property
    def offline_judge(self) -> bool:
        return self.judge == RULES_JUDGE
