"""The model catalog: named models, resolved once at the edge and handed to every job and run.

A name ("teacher", "judge") stands for a full `ModelConfig`: its spec plus sampling defaults,
connection limits, a price. Names come from a models YAML file (`--models`) or inline from a job's
YAML (`models: {teacher: {spec: ...}}`); the CLI reads the file once and the library only ever sees
the catalog, so nothing below the command line re-reads a models file.

    catalog = ModelCatalog.model_validate({"teacher": "qwen:qwen-max", "hot": {"spec": "hf:./m", "params": {...}}})
    catalog.resolve("teacher")          # the named config
    catalog.resolve("openai:gpt-4o")    # a plain spec, as a config
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, RootModel, model_validator

from distillscope.errors import ModelSpecError
from distillscope.models.config import ModelConfig, load_models_file


def catalog_field() -> Any:
    """The `models:` field every job has, described once."""
    return Field(default_factory=ModelCatalog, description="Named models (the catalog): name -> spec or model config.")


class ModelCatalog(RootModel[dict[str, ModelConfig]]):
    root: dict[str, ModelConfig] = {}

    @model_validator(mode="before")
    @classmethod
    def _bare_specs_and_names(cls, value: Any) -> Any:
        """A bare string is a spec; an entry without a display name is shown by its catalog name."""
        if isinstance(value, dict):
            named = {}
            for name, entry in value.items():
                entry = {"spec": entry} if isinstance(entry, str) else entry
                if isinstance(entry, dict) and not entry.get("name"):
                    entry = {**entry, "name": name}
                elif isinstance(entry, ModelConfig) and not entry.name:
                    entry = entry.model_copy(update={"name": name})
                named[name] = entry
            return named
        return value

    @classmethod
    def from_file(cls, path: Path | str) -> ModelCatalog:
        """The catalog of a models YAML file (`models: {name: spec or config}`)."""
        return cls.model_validate(load_models_file(path))

    def merged(self, other: ModelCatalog | None) -> ModelCatalog:
        """This catalog with `other`'s entries added; `other` wins on a shared name."""
        if other is None or not other.root:
            return self
        return ModelCatalog({**self.root, **other.root})

    def resolve(self, ref: str | ModelConfig) -> ModelConfig:
        """The config a name or a spec stands for; a bare word that names nothing is an error."""
        if isinstance(ref, ModelConfig):
            return ref
        if ref in self.root:
            return self.root[ref]
        if ":" not in ref and self.root:
            raise ModelSpecError(
                f"no model named {ref!r}",
                hint=f"names in the model catalog (--models or `models:`): {', '.join(self.root) or 'none'}; "
                "or give a spec such as openai:gpt-4o or hf:./folder",
            )
        return ModelConfig(spec=ref)

    def same(self, a: str | ModelConfig, b: str | ModelConfig) -> bool:
        """Whether two references stand for one model: the same spec with the same settings, whatever
        each is called. A reference that names nothing is no match (its own check says so)."""
        try:
            first, second = self.resolve(a), self.resolve(b)
        except ModelSpecError:
            return False
        keep = {"spec", "base_url", "params", "revision", "system", "extra_body", "chat_template"}
        return first.model_dump(include=keep) == second.model_dump(include=keep)

    def __contains__(self, name: object) -> bool:
        return name in self.root

    def __len__(self) -> int:
        return len(self.root)
