"""YAML config files validated by pydantic, with errors that point at the offending line.

A config error is only useful if it names the line to fix, so the loader keeps the line of every
mapping key and sequence item and maps pydantic's error locations back onto them.

The loader is bounded, because a config may come from anyone: YAML aliases let a few hundred bytes
stand for billions of nodes (an "alias bomb"), so the node graph is composed first (linear in the
text), the size it would expand to is counted without expanding it, and a document that would
exceed `MAX_NODES`, or whose aliases refer to their own ancestors, is refused before anything is
built. The line index visits each node once, however many aliases refer to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from distillscope.errors import InputError
from distillscope.fileio.files import read_text

ConfigT = TypeVar("ConfigT", bound=BaseModel)
Location = tuple[str | int, ...]

MAX_NODES = 200_000  # after aliases are expanded; real configs hold hundreds
MAX_BYTES = 16 * 1024 * 1024


def load_yaml(path: Path | str) -> tuple[Any, dict[Location, int]]:
    """Parse a YAML file into plain data plus the 1-based line of each key and item."""
    path = Path(path)
    text = read_text(path, "a YAML config file", max_bytes=MAX_BYTES)
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path | str = "<string>") -> tuple[Any, dict[Location, int]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = None
        if node is not None:
            _check_expansion(node, path)
            _refuse_duplicate_keys(node, path)
            data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "cannot parse"
        raise InputError(f"malformed YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", path=path) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", path=path, hint="expected a config a person could read") from None
    finally:
        loader.dispose()
    lines: dict[Location, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return data, lines


def require_mapping(data: Any, path: Path | str) -> dict[str, Any]:
    """A config's top level: settings by name. A list or a bare value there is one clear error."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise InputError(f"the top level is {kind}; expected a mapping of settings (name: value)", path=path, line=1)
    return data


def _children(node: yaml.Node) -> list[tuple[yaml.Node, int]]:
    """A node's children, each with the line where it is used (a mapping value: its key's line)."""
    if isinstance(node, yaml.MappingNode):
        return [(part, key.start_mark.line + 1) for key, value in node.value for part in (key, value)]
    if isinstance(node, yaml.SequenceNode):
        return [(item, node.start_mark.line + 1) for item in node.value]
    return []


def _check_expansion(root: yaml.Node, path: Path | str) -> None:
    """Count the nodes the document expands to (each alias counted in full), without expanding it.

    Depth-first over the composed graph, where an alias is a second edge to the same node; sizes
    are memoised per node, so the count is linear in the text however large the expansion."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child, _ in _children(node))
            if sizes[key] > MAX_NODES:
                raise InputError(
                    f"YAML aliases expand to more than {MAX_NODES:,} nodes",
                    path=path,
                    line=node.start_mark.line + 1,
                    hint="expected a config without alias bombs; write the values out",
                )
            continue
        if key in sizes:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child, line in _children(node):
            if id(child) in open_nodes:
                raise InputError(
                    "a YAML alias refers to a node that contains it",
                    path=path,
                    line=line,
                    hint="expected aliases to refer to finished values",
                )
            if id(child) not in sizes:
                stack.append((child, False))


def load_config(path: Path | str, model: type[ConfigT]) -> ConfigT:
    """Load and validate a YAML file; the first validation error names its line."""
    data, lines = load_yaml(path)
    return validate(require_mapping(data, path), model, path=path, lines=lines)


def validate(data: Any, model: type[ConfigT], *, path: Path | str, lines: dict[Location, int] | None = None) -> ConfigT:
    """`data` as a `model`; the first error names its field, the rule it broke and the value given."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        line = _closest_line(loc, lines or {})
        message = f"{dotted}: {describe_error(first)}"
        raise InputError(message, path=path, line=line, hint=_hint_for(first, model)) from None


def describe_error(error: Any) -> str:
    """Pydantic's message for one error (its rule, and the range where there is one), with the value
    that broke it when that value is short enough to quote."""
    message = str(error["msg"])
    given = error.get("input")
    if error["type"] not in ("missing", "extra_forbidden") and isinstance(given, str | int | float | bool):
        quoted = repr(given)
        if len(quoted) <= 40:
            message += f" (got {quoted})"
    return message


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


def _refuse_duplicate_keys(root: yaml.Node, path: Path | str) -> None:
    """A key given twice in one mapping: YAML lets the last one win, silently. Checked on the composed
    graph, before construction folds merge keys (`<<: *base`) into the mappings that use them."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                line = key_node.start_mark.line + 1
                if key_node.value in first_line:
                    raise InputError(
                        f"key {key_node.value!r} is given twice (first on line {first_line[key_node.value]})",
                        path=path,
                        line=line,
                        hint="expected each key once; YAML would keep only the last",
                    )
                first_line[key_node.value] = line
        stack += [child for child, _ in _children(node)]


def _index_lines(root: yaml.Node, prefix: Location, out: dict[Location, int]) -> None:
    """The line of each key and item. A node reached again through an alias is not entered again:
    locations inside it fall back to the line of the key that holds the alias."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Location]] = [(root, prefix)]
    while stack:
        node, where = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                loc = (*where, key_node.value)
                line = key_node.start_mark.line + 1
                out[loc] = line
                stack.append((value_node, loc))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                loc = (*where, index)
                out[loc] = item.start_mark.line + 1
                stack.append((item, loc))
