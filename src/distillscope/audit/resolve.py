"""An audit's names turned into things, once, before any method runs: configs, families, facts.

What the audit adds to its methods is the question "was this target distilled from the reference?"
So the source families (whose claims count as strict) default to the reference's family, and each
target's facts to its own family; a target of no known family is judged against a neutral family,
under which any claimed identity counts as loose. Every method receives this resolved audit, so
none of them re-reads a file or re-resolves a name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from distillscope.audit.evidence import TARGET_ROLE, Panel, Role
from distillscope.audit.job import AuditJob, AuditModel
from distillscope.audit.verdict.sequential import StopEarly, stop_early
from distillscope.data.families import Family, family_of, get_family, with_builtins
from distillscope.errors import InputError
from distillscope.models.catalog import ModelCatalog

NEUTRAL_FAMILY = "unknown"
# What attribution among candidate teachers reads when the teacher classifier runs: each candidate's
# probability against the others' (the teachers' voices) and each prompt's nearest answer (their content).
ATTRIBUTION_METHODS = ("teachers", "proximity")
# No names of its own: every known family a response claims is another one (loose); only a response
# that says it was made by an "unknown developer" claims this one.
NEUTRAL = Family(id=NEUTRAL_FAMILY, names=[], developer="unknown developer")


class AuditedModel(BaseModel):
    """A model as the audit saw it: the string it was named by, its resolved config and identity."""

    model: str = Field(description="As given (spec or catalog name): the key of its evidence in every method.")
    label: str = Field(description="Display name.")
    spec: str = Field(description="The resolved model spec.")
    config: dict[str, Any] = Field(default_factory=dict, description="Resolved model config (non-default fields).")
    facts: str | None = Field(None, description="Family id of its true identity, as ICE judged it.")
    facts_name: str | None = Field(None, description="That family, in words.")
    ground_truth: dict[str, Any] | None = Field(None, description="What is known of how it was made.")


@dataclass
class ResolvedAudit:
    job: AuditJob
    catalog: ModelCatalog
    families: dict[str, Family]
    reference: AuditedModel
    targets: list[AuditedModel]
    sources: list[str]
    warnings: list[str] = field(default_factory=list)
    panel: Panel[AuditedModel] = field(default_factory=lambda: Panel(()))
    candidates: list[AuditedModel] = field(default_factory=list)
    stop_early: StopEarly | None = None  # the verdict's sequential rule, for methods that may stop asking early
    memo: dict[str, Any] = field(default_factory=dict, repr=False)  # work the methods share within one audit

    @property
    def source_names(self) -> list[str]:
        return [family_name(self.families[s]) for s in self.sources]

    @property
    def references(self) -> list[AuditedModel]:
        """The reference, then every candidate teacher: each method measures the subjects against all."""
        return [self.reference, *self.candidates]

    def references_for(self, method: str) -> list[AuditedModel]:
        """The references a method measures the subjects against: the audit's and every candidate's; but
        when the teacher classifier runs, attribution reads it and proximity (`ATTRIBUTION_METHODS`)
        alone, and the other methods need only the audit's own reference (a candidate costs each of them
        a whole second run)."""
        if method not in ATTRIBUTION_METHODS and "teachers" in self.job.selected_methods():
            return [self.reference]
        return self.references

    @property
    def subjects(self) -> list[tuple[AuditedModel, Role]]:
        """Every model a method measures, with its role: the targets, then the null panel."""
        return [*((t, TARGET_ROLE) for t in self.targets), *((p, Panel.role) for p in self.panel)]

    def labels(self) -> dict[str, str]:
        """Model string → display label, for every model the audit named."""
        named = [self.reference, *self.candidates, *self.targets, *self.panel]
        return {m.model: m.label for m in named}


def resolve_audit(job: AuditJob) -> ResolvedAudit:
    families = with_builtins(job.families)
    reference = _audited(job.reference, job.models, families, fallback=None)
    targets = [_audited(t, job.models, families, fallback=NEUTRAL_FAMILY) for t in job.targets]
    panel = Panel.of(_audited(p, job.models, families, fallback=NEUTRAL_FAMILY) for p in job.panel)
    candidates = [_audited(c, job.models, families, fallback=None) for c in job.candidates]
    if any(m.facts == NEUTRAL_FAMILY for m in [*targets, *panel]) and NEUTRAL_FAMILY not in families:
        families[NEUTRAL_FAMILY] = NEUTRAL
        for model in [*targets, *panel]:
            if model.facts == NEUTRAL_FAMILY:
                model.facts_name = family_name(NEUTRAL)
    sources = _sources(job, reference, families)
    for candidate in candidates:
        if candidate.facts is not None and candidate.facts not in sources:
            sources.append(candidate.facts)
    audit = ResolvedAudit(
        job,
        job.models,
        families,
        reference,
        targets,
        sources,
        panel=panel,
        candidates=candidates,
        stop_early=stop_early(job.verdict),
    )
    audit.warnings = identity_warnings(audit)
    return audit


def _audited(
    entry: AuditModel, catalog: ModelCatalog, families: dict[str, Family], fallback: str | None
) -> AuditedModel:
    config = catalog.resolve(entry.model)
    facts = get_family(entry.facts, families).id if entry.facts else family_of(config.spec, families) or fallback
    return AuditedModel(
        model=entry.model,
        label=entry.display,
        spec=config.spec,
        config=config.model_dump(mode="json", exclude_defaults=True),
        facts=facts,
        facts_name=family_name(families[facts]) if facts in families else None,
        ground_truth=entry.ground_truth,
    )


def family_name(family: Family) -> str:
    return f"{family.names[0] if family.names else family.id} ({family.developer})"


def _sources(job: AuditJob, reference: AuditedModel, families: dict[str, Family]) -> list[str]:
    if job.sources:
        return [get_family(s, families).id for s in job.sources]
    if reference.facts is None and "ice" not in job.selected_methods():
        return []  # only ICE reads claimed identities; a white-box audit of an unlisted family needs none
    if reference.facts is None:
        raise InputError(
            f"cannot tell which family the reference {reference.model!r} belongs to, so ICE cannot tell "
            "which claimed identities are the reference's",
            hint="give the reference's facts ({model: ..., facts: FAMILY}) or --sources FAMILY[,FAMILY]; "
            f"known families: {', '.join(sorted(families))}",
        )
    return [reference.facts]


def identity_warnings(audit: ResolvedAudit) -> list[str]:
    warnings = []
    for target in audit.targets:
        if target.facts == NEUTRAL_FAMILY:
            warnings.append(
                f"ICE: no known family for target {target.label!r}; it was judged against a neutral identity, "
                "so any family it claims counts as loose (set its `facts` to judge it against its own)"
            )
        elif target.facts in audit.sources:
            warnings.append(
                f"ICE: target {target.label!r} is of a source family ({target.facts}); its claims of that family "
                "are its own, so its strict and hard scores cannot count them"
            )
    return warnings
