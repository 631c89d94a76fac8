"""What an ICE run is asked to do (flags and `--config` YAML say the same things), and its resolution.

Resolution turns names into things: family ids into facts (built-in families plus any `--families`
YAML, so a zoo persona works like a real family), files into questions and templates, and each
target into the key its fuzz tree is saved under. The key hashes everything that changes what the
fuzzer would do (the target, its facts, judge, mutator, policy, seed, questions and templates) and
nothing that only says when to stop, so raising the budget continues the same tree.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from distillscope.audit.ice.questions import (
    IdentityQuestion,
    builtin_questions,
    check_selection,
    load_questions,
    select_questions,
)
from distillscope.audit.ice.settings import RULES_JUDGE, ICESettings
from distillscope.audit.ice.templates import SeedTemplate, builtin_templates, load_templates
from distillscope.data.families import Family, family_of, get_family, with_builtins
from distillscope.errors import InputError
from distillscope.fileio.lists import comma_list, one_or_many
from distillscope.models.catalog import ModelCatalog, catalog_field

DEFAULT_SOURCES = ["openai", "anthropic"]
_NON_SEMANTIC = {"name", "timeout", "max_retries", "max_connections", "batch_size", "price", "api_key_env", "device"}


class ICEJob(ICESettings):
    """An ICE run; the flags of `distillscope ice` and a `--config` YAML file set the same fields."""

    target: Annotated[list[str], BeforeValidator(one_or_many)] = Field(
        min_length=1, description="Model spec(s) or catalog name(s) to audit."
    )
    facts: list[str] = Field(
        default_factory=list,
        description="Family id of each target's true identity (one for all, or one per target); "
        "guessed from the spec when left out.",
    )
    sources: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SOURCES), description="Families a strict positive claims to be."
    )
    families: dict[str, Family] = Field(
        default_factory=dict, description="Extra families (zoo personas), by id; `--families FILE` adds a file's."
    )
    models: ModelCatalog = catalog_field()
    output: Path | None = Field(None, description="Folder for ice-results.json and the CSV files.")

    @field_validator("facts", "sources", mode="before")
    @classmethod
    def _comma_names(cls, value: Any) -> Any:
        return comma_list(value)

    @classmethod
    def of(cls, settings: ICESettings, **whom: Any) -> ICEJob:
        """A job from settings and the models to measure, keeping the settings' objects as they are."""
        return cls.model_validate({**dict(settings), **whom})


@dataclass
class TargetPlan:
    spec: str
    facts: str
    key: str


@dataclass
class ResolvedJob:
    job: ICEJob
    families: dict[str, Family]
    sources: list[str]
    questions: list[IdentityQuestion]
    templates: list[SeedTemplate]
    targets: list[TargetPlan]


def resolve_job(job: ICEJob) -> ResolvedJob:
    families = with_builtins(job.families)
    sources = [get_family(s, families).id for s in job.sources]
    pool = load_questions(job.questions) if job.questions else builtin_questions()
    questions = select_questions(pool, job.languages, job.categories, job.per_category)
    check_selection(questions, job.languages)
    templates = load_templates(job.templates) if job.templates else builtin_templates()
    facts = _facts_per_target(job, families)
    targets = [
        TargetPlan(spec, fact, job_key(job, spec, families[fact], sources, questions, templates))
        for spec, fact in zip(job.target, facts, strict=True)
    ]
    return ResolvedJob(job, families, sources, questions, templates, targets)


def _facts_per_target(job: ICEJob, families: dict[str, Family]) -> list[str]:
    if len(job.facts) not in (0, 1, len(job.target)):
        raise InputError(
            f"{len(job.facts)} --facts for {len(job.target)} targets", hint="give one family for all, or one per target"
        )
    if job.facts:
        facts = job.facts if len(job.facts) == len(job.target) else job.facts * len(job.target)
        return [get_family(f, families).id for f in facts]
    found = []
    for spec in job.target:
        family = family_of(job.models.resolve(spec).spec, families)
        if family is None:
            raise InputError(
                f"cannot tell which family {spec!r} belongs to",
                hint=f"give --facts FAMILY (known: {', '.join(sorted(families))})",
            )
        found.append(family)
    return found


def model_identity(spec: str | None, catalog: ModelCatalog) -> dict[str, Any] | str | None:
    """What of a model's configuration changes its outputs."""
    from distillscope.judges.identity.rejudge import rejudge_spec  # the judges load when a job is keyed
    from distillscope.judges.identity.rules import RULES_VERSION

    if spec is None or spec == RULES_JUDGE:
        return spec
    llm_spec = rejudge_spec(spec)
    if llm_spec is not None:
        return {"rules_version": RULES_VERSION, "rejudge": model_identity(llm_spec, catalog)}
    config = catalog.resolve(spec)
    return config.model_dump(mode="json", exclude=_NON_SEMANTIC)


def job_key(
    job: ICEJob,
    target: str,
    facts: Family,
    sources: list[str],
    questions: list[IdentityQuestion],
    templates: list[SeedTemplate],
) -> str:
    from distillscope.judges.identity.rules import RULES_VERSION

    material = {
        "target": model_identity(target, job.models),
        "facts": facts.model_dump(mode="json"),
        "sources": sources,
        "mutator": model_identity(job.mutator, job.models),
        "judge": model_identity(job.judge, job.models),
        **({"rules_version": RULES_VERSION} if job.judge == RULES_JUDGE else {}),
        "policy": job.policy,
        "selection": job.selection.model_dump(),
        "operators": job.operators,
        "seed": job.seed,
        "reward_on": job.reward_on,
        "target_params": job.target_params.semantic(),
        "questions": [q.model_dump() for q in questions],
        "templates": [t.model_dump() for t in templates],
    }
    canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]
