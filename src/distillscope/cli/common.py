"""Options shared by commands, and the bridge from flags and YAML to one pydantic config."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from pydantic import BaseModel

from distillscope.errors import InputError, RunFailed
from distillscope.fileio.paths import job_inputs, refuse_inputs
from distillscope.fileio.yamlio import load_yaml, require_mapping, validate
from distillscope.models.types import GenerateConfig
from distillscope.store import RunStore, default_store_path

if TYPE_CHECKING:
    from distillscope.models.usage import ModelUsage

JobT = TypeVar("JobT", bound=BaseModel)


@dataclass
class AppState:
    store_path: Path
    debug: bool = False

    def open_store(self) -> RunStore:
        return RunStore(self.store_path)

    def read_store(self) -> RunStore:
        """The store, for commands that only look: a mistyped path is an error, not a new empty store."""
        return RunStore(self.store_path, readonly=True)


def state(ctx: typer.Context) -> AppState:
    found = ctx.find_object(AppState)
    return found if found is not None else AppState(default_store_path())


def field_help(model: type[BaseModel], name: str, prefix: str = "") -> str:
    """A flag's help from the job's own field: its description and its default, said once, in the model.

    `prefix` names the section for flags that set a nested job (`ICE ` for an audit's `ice:`)."""
    field = model.model_fields[name]
    text = f"{prefix}{(field.description or name).rstrip('.')}"
    default = field.get_default(call_default_factory=True)
    if default is None or default == [] or isinstance(default, BaseModel):
        return text
    shown = ",".join(map(str, default)) if isinstance(default, list) else str(default)
    return f"{text} \\[default: {shown}]"


def generate_config(**flags: Any) -> GenerateConfig | None:
    """Only the flags the user gave, so a model's YAML defaults still apply to the rest.

    Checked here, where they are still flags: a bad value is named with its allowed range."""
    given = {k: v for k, v in flags.items() if v is not None and v != [] and v != ()}
    if "stop" in given:
        given["stop"] = list(given["stop"])
    return validate(given, GenerateConfig, path="command line") if given else None


def fail_on_failed_calls(store: RunStore, usages: Iterable[ModelUsage], run_ids: Iterable[str | None]) -> None:
    """The exit-code policy's code 1: a run that finished with model calls that failed for good.

    Called after the results are printed and written, so the one error line comes last."""
    usages = list(usages)
    failed = sum(u.errors for u in usages)
    if not failed:
        return
    total = sum(u.calls + u.cached + u.errors for u in usages)
    first = store.first_error([run_id for run_id in run_ids if run_id])
    quoted = f" (first: {first[:200]})" if first else ""
    raise RunFailed(
        f"{failed} of {total} model calls failed{quoted}",
        hint="the outputs hold every answered call; rerun the same command to retry only the failed ones",
    )


def fail_on_unreadable_judges(failed: dict[str, int]) -> None:
    """Code 1 for a judge that failed on every item: a run whose every score is n/a is no success."""
    if failed:
        judge, pairs = next(iter(failed.items()))
        others = f" (and {len(failed) - 1} other judge(s))" if len(failed) > 1 else ""
        raise RunFailed(
            f"judge {judge!r} gave no readable verdict on any of its {pairs} items{others}: every score is n/a",
            hint="check the judge model and its prompt; the replies are in the run store (distillscope runs export)",
        )


SET_HELP = (
    "Any setting of the YAML config, as KEY=VALUE with a dotted key (repeatable): verdict.min_share=0.3, "
    "rse.sample=50, ice.budget=200. The value is read as YAML: 0.3, true, [ice, markers]."
)


def dotted_settings(pairs: Iterable[str]) -> dict[str, Any]:
    """`--set a.b=1 --set a.c=x` as the nested mapping a YAML file would hold: {"a": {"b": 1, "c": "x"}}.

    One flag reaches every field of every section, so nothing the YAML can say is out of the flags' reach."""
    import yaml

    tree: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        parts = key.strip().split(".")
        if not sep or not all(part.strip() for part in parts):
            raise InputError(f"--set {pair!r}: expected KEY=VALUE with a dotted key, e.g. verdict.min_share=0.3")
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            value = text
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part.strip(), {})
            if not isinstance(child, dict):
                raise InputError(f"--set {pair!r}: {part} is set to a value and to a section")
            node = child
        node[parts[-1].strip()] = value
    return tree


def with_settings(flags: dict[str, Any], pairs: Iterable[str] | None) -> dict[str, Any]:
    """The command's flags with `--set` pairs over them (a named flag and `--set` of one key: `--set` wins)."""
    merged = dict(flags)
    for key, value in dotted_settings(pairs or []).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict | None):
            merged[key] = {**(merged.get(key) or {}), **value}
        else:
            merged[key] = value
    return merged


def load_job(config_path: Path | None, job: type[JobT], flags: dict[str, Any]) -> JobT:
    """A command's settings: the YAML file if given, then every flag the user set on top of it."""
    data: dict[str, Any] = {}
    lines: dict[Any, int] = {}
    source: Path | str = "command line"
    if config_path is not None:
        loaded, lines = load_yaml(config_path)
        data = dict(require_mapping(loaded, config_path))
        source = config_path
    resolved_here = {"models": resolve_models, "families": resolve_families}
    for key, resolve in resolved_here.items():
        if key in job.model_fields:
            resolve(data, flags.get(key))
    for key, value in flags.items():
        if key in resolved_here and key in job.model_fields:
            continue
        if value is None or value == [] or value == ():
            continue
        if isinstance(value, BaseModel | dict):
            given = value.model_dump(exclude_unset=True) if isinstance(value, BaseModel) else value
            given = {k: v for k, v in given.items() if v is not None}
            if given:
                data[key] = {**(data.get(key) or {}), **given}
        else:
            data[key] = value
    loaded_job = validate(data, job, path=source, lines=lines)
    guard_outputs(loaded_job)
    return loaded_job


OUTPUT_FIELDS = ("output", "workdir", "root")


def guard_outputs(job: BaseModel) -> None:
    """The one output guard, for every command, before any work: no output of the job may be,
    contain, or lie inside a path the job reads (see `fileio.paths.refuse_inputs`)."""
    inputs = job_inputs(job, outputs=OUTPUT_FIELDS)
    for name in OUTPUT_FIELDS:
        value = getattr(job, name, None) if name in type(job).model_fields else None
        if isinstance(value, Path):
            refuse_inputs(value, inputs)


def resolve_models(data: dict[str, Any], models_file: Path | None) -> None:
    """Named models become one catalog here, at the edge: a models file (the `--models` flag, or
    `models: FILE` in the YAML) is read once, inline entries are kept, and the flag's file wins on
    a name both define. Below the CLI, jobs carry the catalog and nothing reads a models file."""
    from distillscope.models.catalog import ModelCatalog

    value = data.get("models")
    entries: dict[str, Any] = {}
    if isinstance(value, str | Path):
        entries.update(ModelCatalog.from_file(value).root)
    elif isinstance(value, dict):
        entries.update(value)
    if models_file is not None:
        entries.update(ModelCatalog.from_file(models_file).root)
    if entries or value is not None:
        data["models"] = entries


def resolve_families(data: dict[str, Any], files: list[Path] | None) -> None:
    """Extra model families (zoo personas, say) become one mapping here, at the edge: the files of
    `--families` and of a YAML `families: [FILE, ...]` are read once; inline definitions are kept."""
    from distillscope.data.families import read_family_files

    value = data.get("families")
    if isinstance(value, str | Path):
        value = [value]
    entries: dict[str, Any] = {}
    if isinstance(value, list) and all(isinstance(v, str | Path) for v in value):
        entries.update(read_family_files(*value))
    elif isinstance(value, dict):
        entries.update(value)
    elif value is not None:
        return  # neither files nor definitions: validation says what was expected
    if files:
        entries.update(read_family_files(*files))
    if entries or value is not None:
        data["families"] = entries
