"""Model families: the identity facts that identity judgments and self-preference checks rest on.

A family says what a model is called (in English and Chinese), who built it and where. The
built-in table covers 15 families; users add or override families in YAML of the same shape, and
the zoo's personas are families too, so every identity check treats real and synthetic models alike.
"""

from __future__ import annotations

import difflib
import logging
import re
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from distillscope.errors import InputError
from distillscope.fileio.yamlio import load_config, parse_yaml, validate

log = logging.getLogger(__name__)


class Family(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = ""
    names: list[str] = Field(description="What models of this family are called, in English.")
    names_zh: list[str] = Field(default_factory=list, description="What they are called in Chinese.")
    developer: str = Field(description="Who built them.")
    developer_aliases: list[str] = Field(default_factory=list, description="Other names for the developer.")
    headquarters: str | None = None
    headquarters_zh: str | None = None
    model_patterns: list[str] = Field(default_factory=list, description="Regexes that match model ids.")
    generic_names: list[str] = Field(
        default_factory=list,
        description="Names that are also a generic technology word (GPT: any generative pre-trained "
        "transformer); said of an architecture or technology they name no family.",
    )
    providers: list[str] = Field(default_factory=list, description="Spec prefixes that serve this family.")
    # Fuller identity facts, as the zoo personas state them.
    team: str | None = None
    team_zh: str | None = None
    partners: list[str] = Field(default_factory=list)
    partners_zh: list[str] = Field(default_factory=list)
    industry: str | None = None
    industry_zh: str | None = None
    technology: str | None = None
    technology_zh: str | None = None

    @property
    def aliases(self) -> list[str]:
        """Every name that, claimed in the first person, means 'I am this family'."""
        seen: dict[str, None] = {}
        for name in [*self.names, *self.names_zh, self.developer, *self.developer_aliases]:
            seen.setdefault(name, None)
        return list(seen)

    def matches_model(self, model_id: str) -> bool:
        lowered = model_id.lower()
        return any(re.search(pattern, lowered) for pattern in self.model_patterns)


class FamiliesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    families: dict[str, Family]


def _with_ids(families: dict[str, Family]) -> dict[str, Family]:
    return {key: fam.model_copy(update={"id": key}) for key, fam in families.items()}


@cache
def builtin_families() -> dict[str, Family]:
    text = resources.files("distillscope.data").joinpath("families.yaml").read_text(encoding="utf-8")
    data, lines = parse_yaml(text, "families.yaml")
    return _with_ids(validate(data, FamiliesFile, path="families.yaml", lines=lines).families)


def read_family_files(*paths: Path | str) -> dict[str, Family]:
    """The families defined in YAML files (zoo personas, say), by id; later files win."""
    families: dict[str, Family] = {}
    for path in paths:
        read = _with_ids(load_config(path, FamiliesFile).families)
        for redefined in sorted(set(read) & set(builtin_families())):
            log.warning(
                "%s redefines the built-in family %r: its definition replaces the built-in one", path, redefined
            )
        families.update(read)
    return families


def with_builtins(extra: dict[str, Family] | None = None) -> dict[str, Family]:
    """The built-in families, with the extra ones added or overriding by id."""
    return {**builtin_families(), **_with_ids(extra or {})}


def load_families(*extra: Path | str) -> dict[str, Family]:
    """The built-in families, with each extra YAML file's families added or overriding by id."""
    return with_builtins(read_family_files(*extra))


def get_family(family_id: str, families: dict[str, Family] | None = None) -> Family:
    families = families if families is not None else builtin_families()
    if family_id not in families:
        close = difflib.get_close_matches(family_id.lower(), sorted(families), n=1)
        suggestion = f"did you mean {close[0]!r}? " if close else ""
        raise InputError(
            f"unknown model family {family_id!r}", hint=f"{suggestion}known families: {', '.join(sorted(families))}"
        )
    return families[family_id]


def family_of(spec: str, families: dict[str, Family] | None = None) -> str | None:
    """The family a model spec most likely belongs to: by its model id, else by its provider."""
    families = families if families is not None else builtin_families()
    provider, _, model_id = spec.partition(":") if "://" not in spec else ("", "", spec.partition("#")[2])
    for family in families.values():
        if family.matches_model(model_id or spec):
            return family.id
    for family in families.values():
        if provider and provider.lower() in family.providers:
            return family.id
    return None
