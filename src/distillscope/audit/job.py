"""What an audit is asked to do: one pydantic model that `--config audit.yaml` and the flags both fill.

An audit answers "was each target distilled from the reference?" with both of the paper's methods,
so its config is the two methods' configs plus what only an audit knows: the models under audit
(with a display label, their identity facts and, for models of known making, the ground truth),
and the source families ICE counts as the reference's. The `rse:` and `ice:` sections *are* the
RSE and ICE jobs (subclasses of them), minus the fields the audit sets itself, so every option of
`distillscope rse` and `distillscope ice` is available here under the same name, with the same
default and validation, and a new option there needs no change here.

    title: Did the students learn from teacher A?
    reference: {model: teacher-a, facts: aurora}
    targets:
      - {model: student-1, label: "50% A", ground_truth: {teacher: A, fraction: 0.5}}
      - openai:gpt-4o-mini
    models: models.yaml          # or the models inline: {teacher-a: {spec: hf:./zoo/a, params: {...}}}
    rse: {sets: [general, math], sample: 50, judges: [lexical, style, openai:gpt-4o-mini]}
    ice: {budget: 200, judge: rules}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from distillscope.audit.ice.job import ICEJob
from distillscope.audit.rse.job import RSEJob
from distillscope.models.config import ModelConfig

_SET_BY_AUDIT = "Set by the audit from its top-level fields; not settable in this section."


def _set_by_audit(section: str, value: Any) -> Any:
    if value is not None:
        raise ValueError(f"set at the top level of an audit, not under `{section}`")
    return value


class AuditModel(BaseModel):
    """A model in an audit: what to call, how to show it, who it is, and what is known of its making."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="Model spec (e.g. openai:gpt-4o, hf:./student) or an alias from `models`.")
    label: str | None = Field(None, description="Name shown in tables and figures; the model string when unset.")
    facts: str | None = Field(
        None,
        description="Family id of the model's true identity (ICE's facts; a built-in family or one from "
        "`families`). Guessed from the spec when unset; a target of no known family gets a neutral family "
        "that any claimed identity contradicts.",
    )
    ground_truth: dict[str, Any] | None = Field(
        None,
        description="What is known about how the model was made, free-form, e.g. "
        "{teacher: A, fraction: 0.5, method: sft}; the report shows it beside the measured scores.",
    )

    @property
    def display(self) -> str:
        return self.label or self.model


class AuditRSE(RSEJob):
    """RSE settings of an audit: every field of `distillscope rse` except the models and the output."""

    reference: None = Field(None, exclude=True, description=_SET_BY_AUDIT)  # type: ignore[assignment]
    targets: None = Field(None, exclude=True, description=_SET_BY_AUDIT)  # type: ignore[assignment]
    models: None = Field(None, exclude=True, description=_SET_BY_AUDIT)
    output: None = Field(None, exclude=True, description=_SET_BY_AUDIT)

    @field_validator("reference", "targets", "models", "output", mode="before")
    @classmethod
    def _not_here(cls, value: Any) -> Any:
        return _set_by_audit("rse", value)


class AuditICE(ICEJob):
    """ICE settings of an audit: every field of `distillscope ice` except the models, facts and output."""

    target: None = Field(None, exclude=True, description=_SET_BY_AUDIT)  # type: ignore[assignment]
    facts: None = Field(None, exclude=True, description=_SET_BY_AUDIT)  # type: ignore[assignment]
    sources: None = Field(None, exclude=True, description=_SET_BY_AUDIT)  # type: ignore[assignment]
    families: None = Field(None, exclude=True, description=_SET_BY_AUDIT)  # type: ignore[assignment]
    models: None = Field(None, exclude=True, description=_SET_BY_AUDIT)
    output: None = Field(None, exclude=True, description=_SET_BY_AUDIT)

    @field_validator("target", "facts", "sources", "families", "models", "output", mode="before")
    @classmethod
    def _not_here(cls, value: Any) -> Any:
        return _set_by_audit("ice", value)


def section_fields(section: BaseModel, job_type: type[BaseModel]) -> dict[str, Any]:
    """The section's values of the fields the audit does not set, as validated objects.

    Objects, not a dump: a `GenerateConfig` keeps which fields were set explicitly, which is what
    layers a job's sampling over a model's own defaults.
    """
    audit_set = {name for name, field in type(section).model_fields.items() if field.exclude}
    return {name: getattr(section, name) for name in job_type.model_fields if name not in audit_set}


class AuditJob(BaseModel):
    """An audit: RSE and ICE of every target against the reference, and a report of both."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, description="Title of the report; 'Distillation audit of REFERENCE' when unset.")
    reference: AuditModel = Field(description="The suspected teacher: a model string or {model, label, facts}.")
    targets: list[AuditModel] = Field(
        min_length=1,
        description="Models audited against the reference: model strings or {model, label, facts, ground_truth}.",
    )
    sources: list[str] | None = Field(
        None,
        description="Families a strict ICE positive claims to be (the reference's side); the reference's "
        "family when unset.",
    )
    families: list[Path] = Field(
        default_factory=list, description="YAML files of extra model families (zoo personas), for facts and sources."
    )
    models: Path | dict[str, ModelConfig | str] | None = Field(
        None, description="Named models: a models YAML file, or the same mapping inline (alias: spec or config)."
    )
    rse: AuditRSE = Field(default_factory=AuditRSE, description="Response similarity (RSE) settings.")
    ice: AuditICE = Field(default_factory=AuditICE, description="Identity consistency (ICE) settings.")
    output: Path | None = Field(
        None, description="Report folder: report.html, results.json, CSV tables, rse/ and ice/ results."
    )

    @field_validator("reference", mode="before")
    @classmethod
    def _bare_reference(cls, value: Any) -> Any:
        return {"model": value} if isinstance(value, str) else value

    @field_validator("targets", mode="before")
    @classmethod
    def _bare_targets(cls, value: Any) -> Any:
        """Model strings (comma lists too, as flags give them) become `{model: ...}` entries."""
        if not isinstance(value, list):
            value = [value]
        entries: list[Any] = []
        for item in value:
            if isinstance(item, str):
                entries += [{"model": part.strip()} for part in item.split(",") if part.strip()]
            else:
                entries.append(item)
        return entries

    @field_validator("sources", mode="before")
    @classmethod
    def _comma_sources(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [part.strip() for v in value for part in str(v).split(",") if part.strip()]
        return value

    @field_validator("families", mode="before")
    @classmethod
    def _one_file(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | Path) else value

    @model_validator(mode="after")
    def _distinct_targets(self) -> AuditJob:
        seen: set[str] = set()
        for target in self.targets:
            if target.model in seen:
                raise ValueError(f"target {target.model!r} is listed twice")
            seen.add(target.model)
        labels = [t.display for t in self.targets]
        duplicated = sorted({label for label in labels if labels.count(label) > 1})
        if duplicated:
            raise ValueError(f"targets share the label {duplicated[0]!r}; give each a distinct label")
        return self

    @property
    def report_title(self) -> str:
        return self.title or f"Distillation audit of {self.reference.display}"
