"""What an audit is asked to do: one pydantic model that `--config audit.yaml` and the flags both fill.

An audit answers "was each target distilled from the reference?" with several methods, so its
config is what only an audit knows (the models under audit, with a display label, their identity
facts and, for models of known making, the ground truth) plus one section per method, named after
it (`rse:`, `ice:`). Each section *is* that method's settings model, taken from the method registry,
so every option of `distillscope rse` and `distillscope ice` is available under the same name,
with the same default and validation, and a method registered later gets its section for free.

    title: Did the students learn from teacher A?
    reference: {model: teacher-a, facts: aurora}
    targets:
      - {model: student-1, label: "50% A", ground_truth: {teacher: A, fraction: 0.5}}
      - openai:gpt-4o-mini
    models: {teacher-a: {spec: hf:./zoo/a, params: {...}}}    # or --models models.yaml
    methods: [rse, ice]                                         # the default: every default method
    rse: {sets: [general, math], sample: 50, judges: [lexical, style, openai:gpt-4o-mini]}
    ice: {budget: 200, judge: rules}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import InitErrorDetails

from distillscope.audit.evidence import Panel
from distillscope.audit.method import METHODS
from distillscope.audit.verdict.settings import VerdictSettings
from distillscope.data.families import Family
from distillscope.fileio.lists import comma_list
from distillscope.models.catalog import ModelCatalog


class AuditModel(BaseModel):
    """A model in an audit: what to call, how to show it, who it is, and what is known of its making."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="Model spec (e.g. openai:gpt-4o, hf:./student) or a name from `models`.")
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


class AuditJob(BaseModel):
    """An audit: every selected method on every target against the reference, and one report."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, description="Title of the report; 'Distillation audit of REFERENCE' when unset.")
    reference: AuditModel = Field(description="The suspected teacher: a model string or {model, label, facts}.")
    targets: list[AuditModel] = Field(
        min_length=1,
        description="Models audited against the reference: model strings or {model, label, facts, ground_truth}.",
    )
    candidates: list[AuditModel] = Field(
        default_factory=list,
        description="Other candidate teachers, for attribution: which of them, if any, each target resembles.",
    )
    panel: list[AuditModel] = Field(
        default_factory=list,
        description="The null panel: models known not to be distilled from the reference (nor from any candidate). "
        "Their scores are what an unrelated model scores; at least two calibrate a verdict.",
    )
    verdict: VerdictSettings = Field(default_factory=VerdictSettings, description="How evidence becomes verdicts.")
    sources: list[str] | None = Field(
        None,
        description="Families a strict ICE positive claims to be (the reference's side); the reference's "
        "family when unset.",
    )
    families: dict[str, Family] = Field(
        default_factory=dict, description="Extra model families (zoo personas), by id; `--families FILE` adds a file's."
    )
    models: ModelCatalog = Field(
        default_factory=ModelCatalog, description="Named models (the catalog): name -> spec or model config."
    )
    methods: list[str] | None = Field(
        None,
        description="Methods to run, in order; default: every default method, and any whose section is given.",
    )
    output: Path | None = Field(
        None, description="Report folder: report.html, results.json, CSV tables and each method's own folder."
    )
    _sections: dict[str, BaseModel] = PrivateAttr(default_factory=dict)
    _given: frozenset[str] = PrivateAttr(default_factory=frozenset)

    # ---------------------------------------------------------------------------- sections
    @model_validator(mode="wrap")
    @classmethod
    def _method_sections(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> AuditJob:
        """Each registered method's section is validated by that method's settings model; the errors
        of all parts come out together, each located at its key (`rse.sample`), so a YAML error still
        names its line."""
        if not isinstance(value, dict):
            return handler(value)
        data = dict(value)
        raw = {name: data.pop(name) for name in list(data) if name in METHODS}
        errors: list[InitErrorDetails] = []
        job: AuditJob | None = None
        try:
            job = handler(data)
        except ValidationError as exc:
            errors += [_relocated(e, ()) for e in exc.errors()]
        sections: dict[str, BaseModel] = {}
        for entry in METHODS.items():
            method, given = entry.value, raw.get(entry.name)
            if isinstance(given, method.settings_type):
                sections[entry.name] = given
                continue
            errors += _set_by_audit(entry.name, method.set_by_audit, given)
            if isinstance(given, dict):
                given = {key: v for key, v in given.items() if key not in method.set_by_audit}
            try:
                sections[entry.name] = method.settings_type.model_validate(given or {})
            except ValidationError as exc:
                errors += [_relocated(e, (entry.name,)) for e in exc.errors()]
        if errors or job is None:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        job._sections, job._given = sections, frozenset(raw)
        floor = getattr(sections.get("rse"), "floor", None)
        if floor is not None and job.models.same(floor, job.reference.model):
            raise ValueError(f"rse.floor {floor if isinstance(floor, str) else floor.display_name!r} is the reference")
        return job

    @model_serializer(mode="wrap")
    def _dump_sections(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict[str, Any]:
        data = handler(self)
        for name, settings in self._sections.items():
            data[name] = settings.model_dump(mode=info.mode, exclude_defaults=info.exclude_defaults)
        return data

    def __getattr__(self, name: str) -> Any:
        """`job.rse` is the `rse:` section: each method's settings, by the method's name."""
        if not name.startswith("_"):
            private = object.__getattribute__(self, "__pydantic_private__") or {}
            sections = private.get("_sections") or {}
            if name in sections:
                return sections[name]
        return super().__getattr__(name)  # type: ignore[misc]

    def section(self, name: str) -> BaseModel:
        return self._sections[name]

    def with_section(self, name: str, settings: BaseModel) -> AuditJob:
        job = self.model_copy()
        job._sections = {**self._sections, name: settings}
        return job

    def selected_methods(self) -> list[str]:
        if self.methods is not None:
            return list(self.methods)
        chosen = [
            e
            for e in METHODS.items()
            if e.name in self._given
            or (
                e.value.runs_by_default
                and (self.panel or not e.value.needs_panel)
                and (self.candidates or not e.value.needs_candidates)
            )
        ]
        return [e.name for e in sorted(chosen, key=lambda e: e.value.rank)]

    # ---------------------------------------------------------------------------- fields
    @field_validator("reference", mode="before")
    @classmethod
    def _bare_reference(cls, value: Any) -> Any:
        return {"model": value} if isinstance(value, str) else value

    @field_validator("targets", "panel", "candidates", mode="before")
    @classmethod
    def _bare_targets(cls, value: Any) -> Any:
        """Model strings (comma lists too, as flags give them) become `{model: ...}` entries."""
        if not isinstance(value, list):
            value = [value]
        entries: list[Any] = []
        for item in value:
            entries += [{"model": part} for part in comma_list(item)] if isinstance(item, str) else [item]
        return entries

    @field_validator("sources", "methods", mode="before")
    @classmethod
    def _comma_names(cls, value: Any) -> Any:
        return comma_list(value)

    @field_validator("methods")
    @classmethod
    def _registered(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            for name in value:
                METHODS.check(name)
        return value

    @model_validator(mode="after")
    def _voting_methods(self) -> AuditJob:
        for name in self.verdict.methods or []:
            METHODS.check(name)
        return self

    @model_validator(mode="after")
    def _nothing_measured_against_itself(self) -> AuditJob:
        """A target or candidate that is the reference would be "distilled from" itself: no meaning."""
        for role, models in (("target", self.targets), ("candidate", self.candidates)):
            for model in models:
                if self.models.same(model.model, self.reference.model):
                    raise ValueError(
                        f"{role} {model.model!r} is the reference itself; a model cannot be audited against "
                        "itself: give another model"
                    )
        return self

    @model_validator(mode="after")
    def _distinct_targets(self) -> AuditJob:
        seen: set[str] = set()
        for target in self.targets:
            if target.model in seen:
                raise ValueError(f"target {target.model!r} is listed twice")
            seen.add(target.model)
        labels = [t.display for t in [*self.targets, *self.panel]]
        duplicated = sorted({label for label in labels if labels.count(label) > 1})
        if duplicated:
            raise ValueError(f"models share the label {duplicated[0]!r}; give each a distinct label")
        return self

    @field_validator("panel")
    @classmethod
    def _a_panel_that_can_calibrate(cls, panel: list[AuditModel], info: ValidationInfo) -> list[AuditModel]:
        """A panel member must be unrelated to the question, and one member has no spread to measure."""
        reference = info.data.get("reference")
        references = {c.model: "a candidate teacher" for c in info.data.get("candidates") or []}
        if reference is not None:
            references[reference.model] = "the reference"
        targets = {t.model for t in info.data.get("targets") or []}
        for member in panel:
            if member.model in references:
                raise ValueError(
                    f"panel model {member.model!r} is {references[member.model]}; the panel holds models known "
                    "not to be distilled from the reference, so it cannot hold a reference"
                )
            if member.model in targets:
                raise ValueError(
                    f"panel model {member.model!r} is also a target; a model cannot be both the question and the "
                    "null it is measured against"
                )
        reason = Panel.too_small(len(panel))
        if reason is not None:
            raise ValueError(reason)
        return panel

    @property
    def report_title(self) -> str:
        return self.title or f"Distillation audit of {self.reference.display}"

    @classmethod
    def section_names(cls) -> list[str]:
        """What may stand at the top level of an audit's YAML: its fields and the methods' sections."""
        return [*cls.model_fields, *METHODS.names()]


def _relocated(error: Any, prefix: tuple[str, ...]) -> InitErrorDetails:
    details: InitErrorDetails = {"type": error["type"], "loc": (*prefix, *error["loc"]), "input": error["input"]}
    if "ctx" in error:
        details["ctx"] = error["ctx"]
    return details


def _set_by_audit(section: str, names: tuple[str, ...], given: Any) -> list[InitErrorDetails]:
    """A method's own job names its models and output; in an audit those are the audit's."""
    if not isinstance(given, dict):
        return []
    return [
        {
            "type": "value_error",
            "loc": (section, key),
            "input": given[key],
            "ctx": {"error": ValueError(f"set at the top level of an audit, not under `{section}`")},
        }
        for key in names
        if key in given
    ]
