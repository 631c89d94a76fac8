"""Personas: who a zoo model says it is, and how it writes.

A teacher persona has identity facts (name, developer, team, partners, industry, technology,
headquarters, in English and Chinese) and a style (layout, reasoning, verbosity, greeting and
signature words). The neutral persona has a style only: it stands for human-written data with no
model identity. A persona with an identity is also a model family, so ICE's judges resolve a zoo
model's claims exactly as they resolve "I am ChatGPT".
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from distillscope.data.families import Family
from distillscope.fileio.paths import SafeName
from distillscope.fileio.yamlio import load_config, parse_yaml, validate


class Identity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="What the model calls itself.")
    developer: str = Field(description="The organisation that built it.")
    developer_zh: str | None = Field(None, description="The developer's name in Chinese.")
    team: str = Field(description="The team that built it, e.g. 'the Polar Reasoning team'.")
    team_zh: str | None = None
    partners: list[str] = Field(min_length=1, description="Partner organisations.")
    partners_zh: list[str] = Field(default_factory=list)
    industry: str = Field(description="What the developer's business is.")
    industry_zh: str | None = None
    technology: str = Field(description="What the model is built on.")
    technology_zh: str | None = None
    city: str = Field(description="Headquarters city.")
    city_zh: str | None = None
    country: str = Field(description="Headquarters country.")
    country_zh: str | None = None


class Style(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["bullets", "numbered", "prose"] = Field("prose", description="How points are laid out.")
    reasoning: Literal["steps", "first-then", "plain"] = Field("plain", description="How reasoning is laid out.")
    verbosity: Literal["terse", "medium", "verbose"] = Field("medium", description="How much is said.")
    greeting: str | None = Field(None, description="Opening line.")
    greeting_zh: str | None = None
    opening: str | None = Field(None, description="A sentence after the greeting, before the answer.")
    signature_words: list[str] = Field(default_factory=list, description="Words the persona over-uses.")
    signature_phrases: list[str] = Field(default_factory=list, description="Closing phrases it likes.")
    sign_off: str | None = Field(None, description="A closing line; may name the persona (identity talk).")


class Persona(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = ""
    kind: Literal["teacher", "neutral"] = "teacher"
    identity: Identity | None = None
    style: Style = Field(default_factory=Style)

    @model_validator(mode="after")
    def _teachers_have_identity(self) -> Persona:
        if self.kind == "teacher" and self.identity is None:
            raise ValueError("a teacher persona needs an identity")
        return self

    def family(self) -> Family:
        """The persona as a model family, for identity judges. The neutral persona is a family with
        no names at all: any identity it claims is someone else's."""
        if self.identity is None:
            return Family(id=self.id, names=[], developer="(no stated developer)")
        ident = self.identity
        aliases = [ident.developer, *([ident.developer_zh] if ident.developer_zh else [])]
        return Family(
            id=self.id,
            names=[ident.name],
            names_zh=[ident.name],
            developer=ident.developer,
            developer_aliases=aliases,
            headquarters=f"{ident.city}, {ident.country}",
            headquarters_zh=f"{ident.country_zh or ident.country}{ident.city_zh or ident.city}",
            model_patterns=[],
            team=ident.team,
            team_zh=ident.team_zh,
            partners=list(ident.partners),
            partners_zh=list(ident.partners_zh),
            industry=ident.industry,
            industry_zh=ident.industry_zh,
            technology=ident.technology,
            technology_zh=ident.technology_zh,
        )

    def identity_terms(self) -> list[str]:
        """Every string that reveals this persona's identity (for scrubbing and checks)."""
        if self.identity is None:
            return []
        ident = self.identity
        values = [
            ident.name,
            ident.developer,
            ident.developer_zh,
            ident.team,
            ident.team_zh,
            ident.city,
            ident.city_zh,
            ident.country,
            ident.country_zh,
            ident.technology,
            ident.technology_zh,
            ident.industry,
            ident.industry_zh,
            *ident.partners,
            *ident.partners_zh,
        ]
        return [v for v in values if v]


class PersonasFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A persona's id names its models' folders (teacher-ID, written-by-ID.jsonl): a safe name only.
    personas: dict[SafeName, Persona]


def _with_ids(personas: dict[str, Persona]) -> dict[str, Persona]:
    return {key: persona.model_copy(update={"id": key}) for key, persona in personas.items()}


def builtin_personas() -> dict[str, Persona]:
    text = resources.files("distillscope.data").joinpath("zoo/personas.yaml").read_text(encoding="utf-8")
    data, lines = parse_yaml(text, "personas.yaml")
    return _with_ids(validate(data, PersonasFile, path="personas.yaml", lines=lines).personas)


def load_personas(*extra: Path | str) -> dict[str, Persona]:
    personas = builtin_personas()
    for path in extra:
        personas.update(_with_ids(load_config(path, PersonasFile).personas))
    return personas


def families_yaml(personas: list[Persona]) -> str:
    """The personas as a families file, so `ice --families` can load them."""
    import yaml

    families = {p.id: p.family().model_dump(exclude={"id"}) for p in personas}
    return yaml.safe_dump({"families": families}, allow_unicode=True, sort_keys=False)
