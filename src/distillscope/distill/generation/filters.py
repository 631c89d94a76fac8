"""What keeps teacher output out of the training data: the cheap, model-free checks.

Each check is a small pure function that says why a response should go, or nothing. They run in a
fixed order and the first reason wins, so the summary can say how many responses each check
dropped. The stateful checks (duplicates, the LLM judge, the per-category cap) live with the
pipeline in `generate.py`, because they depend on what was kept before.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from distillscope.distill.generation.language import KNOWN_LANGUAGES, language_matches
from distillscope.models.plan import estimate_tokens

# Said at the start of a response, these mean the teacher declined rather than answered.
REFUSAL_PATTERNS = [
    r"i'?m sorry,? but (?:i|as an ai)",
    r"i am sorry,? but (?:i|as an ai)",
    r"i'?m sorry,? i (?:can ?not|can't|won't|am unable|'m unable)",
    r"(?:sorry|i apologi[sz]e),? but i (?:can ?not|can't|won't|am unable|'m unable)",
    r"as an ai(?: language model| assistant| model)?,? i (?:can ?not|can't|don't|do not|am not able|am unable)",
    r"i (?:can ?not|can't|won't|am unable to|'m unable to|am not able to) "
    r"(?:help|assist|comply|provide|fulfil|fulfill|answer|do that|engage|support|create|generate)",
    r"i must (?:respectfully )?decline",
    r"(?:很)?抱歉[，,、\s]*(?:我|但|作为)",
    r"对不起[，,、\s]*(?:我|但|作为)",
    r"我(?:无法|不能|没办法|不可以)(?:回答|提供|帮助|协助|满足|完成|处理|生成|参与)",
    r"作为(?:一个|一名)?(?:人工智能|ai|AI)(?:语言模型|助手|模型)?[，,]?\s*我(?:无法|不能)",
]
REFUSAL_WINDOW = 240  # characters from the start where a refusal phrase counts

# Every reason a record can be dropped for, in the order the checks run.
DROP_REASONS = [
    "instruction_failed",
    "instruction_unparseable",
    "not_novel",
    "call_failed",
    "truncated",
    "empty",
    "refusal",
    "too_short",
    "too_long",
    "wrong_language",
    "no_answer",
    "answer_mismatch",
    "duplicate",
    "near_duplicate",
    "judge_low_score",
    "judge_unparseable",
    "category_cap",
]


DropReason = Literal["truncated", "empty", "refusal", "too_short", "too_long", "wrong_language"]


class FilterSettings(BaseModel):
    """Which filters run, and their bounds. Every filter can be switched off."""

    model_config = ConfigDict(extra="forbid")

    drop_truncated: bool = Field(True, description="Drop responses cut off by max_tokens (finish_reason 'length').")
    drop_empty: bool = Field(True, description="Drop empty or whitespace-only responses.")
    drop_refusals: bool = Field(True, description="Drop responses that open with a refusal (English or Chinese).")
    refusal_phrases: list[str] = Field(
        default_factory=list, description="Extra refusal phrases (plain text, case-insensitive), matched anywhere."
    )
    min_chars: int | None = Field(None, ge=0, description="Drop responses shorter than this many characters.")
    max_chars: int | None = Field(None, ge=1, description="Drop responses longer than this many characters.")
    min_tokens: int | None = Field(None, ge=0, description="Drop responses under this many (estimated) tokens.")
    max_tokens: int | None = Field(None, ge=1, description="Drop responses over this many (estimated) tokens.")
    languages: list[str] | None = Field(
        None,
        description="Expected response languages (en, zh, ja, ko, ru, ar, latin) or 'same_as_prompt'; None: off.",
    )
    verify_answers: bool = Field(True, description="cot: keep only chains whose answer matches the reference.")
    answer_rel_tol: float = Field(1e-6, ge=0, description="cot: relative tolerance for numeric answers.")
    dedup: bool = Field(True, description="Drop exact and near-duplicate records.")
    dedup_on: Literal["pair", "response"] = Field(
        "pair", description="Compare prompt and response together, or responses alone."
    )
    near_duplicate_threshold: float = Field(
        0.85, gt=0, le=1, description="Word-shingle Jaccard at or above which two records are near duplicates."
    )
    shingle_size: int = Field(3, ge=1, description="Words per shingle for near-duplicate detection.")
    category_cap: int | None = Field(None, ge=1, description="Most records kept per category (seeded choice).")

    @field_validator("languages", mode="before")
    @classmethod
    def _one_language(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str] | None) -> list[str] | None:
        """An unknown code would match no response and drop every record."""
        for language in value or []:
            if language not in KNOWN_LANGUAGES:
                raise ValueError(f"unknown language {language!r}; expected one of: {', '.join(KNOWN_LANGUAGES)}")
        return value

    @model_validator(mode="after")
    def _bounds_that_keep_something(self) -> FilterSettings:
        """A lower bound above its upper bound drops every record: contradictory settings, refused."""
        for low, high in (("min_chars", "max_chars"), ("min_tokens", "max_tokens")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"{low} ({lo}) is above {high} ({hi}): no response could be kept")
        return self


def is_empty(response: str) -> bool:
    return not response.strip()


def is_refusal(response: str, extra_phrases: Sequence[str] = ()) -> bool:
    """A refusal opens the response; later apologies ("sorry to hear that") are not refusals."""
    text = _plain(response)
    opening = text[:REFUSAL_WINDOW]
    if any(re.search(pattern, opening) for pattern in _REFUSALS):
        return True
    return any(_plain(phrase) in text for phrase in extra_phrases if phrase.strip())


def length_problem(response: str, settings: FilterSettings) -> DropReason | None:
    chars = len(response.strip())
    if settings.min_chars is not None and chars < settings.min_chars:
        return "too_short"
    if settings.max_chars is not None and chars > settings.max_chars:
        return "too_long"
    if settings.min_tokens is not None or settings.max_tokens is not None:
        tokens = estimate_tokens(response) if chars else 0
        if settings.min_tokens is not None and tokens < settings.min_tokens:
            return "too_short"
        if settings.max_tokens is not None and tokens > settings.max_tokens:
            return "too_long"
    return None


def check_response(
    response: str, prompt: str, settings: FilterSettings, finish_reason: str | None = None
) -> DropReason | None:
    """The first model-free check a response fails, in the order the summary lists them."""
    if settings.drop_truncated and finish_reason == "length":
        return "truncated"
    if settings.drop_empty and is_empty(response):
        return "empty"
    if settings.drop_refusals and is_refusal(response, settings.refusal_phrases):
        return "refusal"
    problem = length_problem(response, settings)
    if problem is not None:
        return problem
    if settings.languages and not language_matches(response, settings.languages, prompt):
        return "wrong_language"
    return None


def cap_per_category(categories: Sequence[str | None], cap: int, seed: int) -> list[bool]:
    """Which items to keep so no category has more than `cap`; the choice within one is seeded.

    Items without a category are never capped: the cap balances named tasks against each other.
    Kept items stay in their original order.
    """
    members: dict[str, list[int]] = defaultdict(list)
    for index, category in enumerate(categories):
        if category is not None:
            members[category].append(index)
    keep = [True] * len(categories)
    for category in sorted(members):
        indices = members[category]
        if len(indices) <= cap:
            continue
        chosen = set(random.Random(f"{seed}:{category}").sample(indices, cap))
        for index in indices:
            keep[index] = index in chosen
    return keep


def active_reasons(mode: str, settings: FilterSettings, *, judged: bool) -> list[str]:
    """The drop reasons a job can produce, in check order: the rows of its summary."""
    skip = set()
    if mode != "expand":
        skip |= {"instruction_failed", "instruction_unparseable", "not_novel"}
    if mode != "cot" or not settings.verify_answers:
        skip |= {"no_answer", "answer_mismatch"}
    if not settings.dedup:
        skip |= {"duplicate", "near_duplicate"}
    if not judged:
        skip |= {"judge_low_score", "judge_unparseable"}
    if settings.category_cap is None:
        skip.add("category_cap")
    return [reason for reason in DROP_REASONS if reason not in skip]


def _plain(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'").lower().strip()


_REFUSALS = [re.compile(pattern, re.IGNORECASE) for pattern in REFUSAL_PATTERNS]
