"""YAML config files validated by pydantic, with errors that point at the offending line.

A config error is only useful if it names the line to fix, so the loader keeps the line of every
mapping key and sequence item and maps pydantic's error locations back onto them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from distillscope.errors import InputError

ConfigT = TypeVar("ConfigT", bound=BaseModel)
Location = tuple[str | int, ...]


def load_yaml(path: Path | str) -> tuple[Any, dict[Location, int]]:
    """Parse a YAML file into plain data plus the 1-based line of each key and item."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found; expected a YAML config file", path=path) from None
    except IsADirectoryError:
        raise InputError("is a folder; expected a YAML config file", path=path) from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path | str = "<string>") -> tuple[Any, dict[Location, int]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "cannot parse"
        raise InputError(f"malformed YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", path=path) from None
    lines: dict[Location, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return data, lines


def load_config(path: Path | str, model: type[ConfigT]) -> ConfigT:
    """Load and validate a YAML file; the first validation error names its line."""
    data, lines = load_yaml(path)
    if data is None:
        data = {}
    return validate(data, model, path=path, lines=lines)


def validate(data: Any, model: type[ConfigT], *, path: Path | str, lines: dict[Location, int] | None = None) -> ConfigT:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        line = _closest_line(loc, lines or {})
        raise InputError(f"{dotted}: {first['msg']}", path=path, line=line, hint=_hint_for(first, model)) from None


def _hint_for(error: dict[str, Any], model: type[BaseModel]) -> str | None:
    if error["type"] == "extra_forbidden" and len(error["loc"]) == 1:
        known = getattr(model, "section_names", lambda: list(model.model_fields))()
        return f"expected one of: {', '.join(sorted(known))}"
    return None


def _closest_line(loc: Location, lines: dict[Location, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _index_lines(node: yaml.Node, prefix: Location, out: dict[Location, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            loc = (*prefix, key_node.value)
            out[loc] = key_node.start_mark.line + 1
            _index_lines(value_node, loc, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            loc = (*prefix, index)
            out[loc] = item.start_mark.line + 1
            _index_lines(item, loc, out)
