"""Options shared by commands, and the bridge from flags and YAML to one pydantic config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel

from distillscope.fileio.yamlio import load_yaml, validate
from distillscope.models.run import default_store_path
from distillscope.models.types import GenerateConfig
from distillscope.store import RunStore

JobT = TypeVar("JobT", bound=BaseModel)


@dataclass
class AppState:
    store_path: Path
    debug: bool = False

    def open_store(self) -> RunStore:
        return RunStore(self.store_path)


def state(ctx: typer.Context) -> AppState:
    found = ctx.find_object(AppState)
    return found if found is not None else AppState(default_store_path())


def generate_config(**flags: Any) -> GenerateConfig | None:
    """Only the flags the user gave, so a model's YAML defaults still apply to the rest."""
    given = {k: v for k, v in flags.items() if v is not None and v != [] and v != ()}
    if "stop" in given:
        given["stop"] = list(given["stop"])
    return GenerateConfig(**given) if given else None


def load_job(config_path: Path | None, job: type[JobT], flags: dict[str, Any]) -> JobT:
    """A command's settings: the YAML file if given, then every flag the user set on top of it."""
    data: dict[str, Any] = {}
    lines: dict[Any, int] = {}
    source: Path | str = "command line"
    if config_path is not None:
        loaded, lines = load_yaml(config_path)
        data = dict(loaded or {})
        source = config_path
    for key, value in flags.items():
        if value is None or value == [] or value == ():
            continue
        if isinstance(value, BaseModel | dict):
            given = value.model_dump(exclude_unset=True) if isinstance(value, BaseModel) else value
            given = {k: v for k, v in given.items() if v is not None}
            if given:
                data[key] = {**(data.get(key) or {}), **given}
        else:
            data[key] = value
    return validate(data, job, path=source, lines=lines)
