"""Seed templates: the framings the fuzzer starts from, each with one `{query}` placeholder.

Three formats are read, chosen by the file's suffix:
- YAML (`.yaml`/`.yml`), the built-in format: `templates: [{id, style, text}, ...]`;
- GPTFuzz's CSV (`.csv`): one column of templates whose placeholder is `[INSERT PROMPT HERE]`;
- plain text (anything else): templates separated by a line holding only the delimiter (`---`).

A template without its placeholder would send the target no question at all, so loading rejects it
with the file and line, rather than the fuzzer finding out later.
"""

from __future__ import annotations

import csv
import re
from importlib import resources
from io import StringIO
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from distillscope.errors import InputError
from distillscope.fileio.files import read_text
from distillscope.fileio.yamlio import parse_yaml, validate

PLACEHOLDER = "{query}"
GPTFUZZ_PLACEHOLDER = "[INSERT PROMPT HERE]"
TEXT_DELIMITER = "---"
BUILTIN_NAME = "templates.yaml"
_GPTFUZZ_COLUMNS = ("text", "template", "prompt", "jailbreak")


class SeedTemplate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="Unique name of the template.")
    text: str = Field(description="The template; holds exactly one {query}.")
    style: str = Field("", description="What kind of framing it is (role-play, story, ...), for reports.")


class TemplatesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    templates: list[SeedTemplate] = Field(description="The seed templates.")


def fill(template: str, question: str) -> str:
    """The prompt a template makes of a question (the question at the end if the placeholder is missing)."""
    if PLACEHOLDER in template:
        return template.replace(PLACEHOLDER, question, 1)
    return f"{template.rstrip()}\n\n{question}"


def builtin_templates() -> list[SeedTemplate]:
    text = resources.files("distillscope.data").joinpath("ice", BUILTIN_NAME).read_text(encoding="utf-8")
    return parse_yaml_templates(text, f"distillscope/data/ice/{BUILTIN_NAME}")


def load_templates(path: Path | str, delimiter: str = TEXT_DELIMITER) -> list[SeedTemplate]:
    """Templates from a YAML, GPTFuzz CSV or plain-text file, by suffix."""
    path = Path(path)
    text = read_text(path, "a templates file (.yaml, .csv or text)")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        templates = parse_yaml_templates(text, path)
    elif suffix == ".csv":
        templates = parse_gptfuzz_csv(text, path)
    else:
        templates = parse_text_templates(text, path, delimiter)
    if not templates:
        raise InputError("no templates in file", path=path)
    return templates


def parse_yaml_templates(text: str, path: Path | str) -> list[SeedTemplate]:
    data, lines = parse_yaml(text, path)
    templates = validate(data if data is not None else {}, TemplatesFile, path=path, lines=lines).templates
    seen: set[str] = set()
    for index, template in enumerate(templates):
        line = lines.get(("templates", index))
        _check_placeholder(template.text, path, line)
        if template.id in seen:
            raise InputError(f"duplicate template id {template.id!r}", path=path, line=line)
        seen.add(template.id)
    return templates


def parse_gptfuzz_csv(text: str, path: Path | str, column: str | None = None) -> list[SeedTemplate]:
    """GPTFuzz's template CSV: the template column is `column`, or the first that looks like one."""
    reader = csv.DictReader(StringIO(text))
    rows = [(reader.line_num, row) for row in reader]
    fields = reader.fieldnames or []
    column = column or _template_column(fields, [r for _, r in rows])
    if column is None or column not in fields:
        raise InputError(
            "cannot tell which column holds the templates",
            path=path,
            line=1,
            hint=f"expected a column named one of {', '.join(_GPTFUZZ_COLUMNS)} holding {GPTFUZZ_PLACEHOLDER}",
        )
    templates: list[SeedTemplate] = []
    for index, (line, row) in enumerate(rows):
        raw = (row.get(column) or "").strip()
        if not raw:
            continue
        converted = raw.replace(GPTFUZZ_PLACEHOLDER, PLACEHOLDER)
        _check_placeholder(converted, path, line, shown=GPTFUZZ_PLACEHOLDER)
        name = (row.get("id") or "").strip() or str(index)
        templates.append(SeedTemplate(id=f"gptfuzz-{name}", text=_keep_first(converted), style="gptfuzz"))
    return templates


def parse_text_templates(text: str, path: Path | str, delimiter: str = TEXT_DELIMITER) -> list[SeedTemplate]:
    templates: list[SeedTemplate] = []
    chunk: list[str] = []
    start: int | None = None

    def flush() -> None:
        body = "\n".join(chunk).strip()
        if body:
            _check_placeholder(body, path, start)
            templates.append(SeedTemplate(id=f"text-{len(templates) + 1}", text=body, style="text"))
        chunk.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == delimiter:
            flush()
            start = None
            continue
        if start is None and line.strip():
            start = number
        chunk.append(line)
    flush()
    return templates


def _template_column(fields: list[str], rows: list[dict[str, str]]) -> str | None:
    for name in _GPTFUZZ_COLUMNS:
        if name in fields:
            return name
    for name in fields:
        if any(GPTFUZZ_PLACEHOLDER in (row.get(name) or "") for row in rows):
            return name
    return None


def _check_placeholder(text: str, path: Path | str, line: int | None, shown: str = PLACEHOLDER) -> None:
    if PLACEHOLDER not in text:
        raise InputError(
            f"template has no {shown} placeholder",
            path=path,
            line=line,
            hint="each template needs one place where the identity question goes",
        )


def _keep_first(text: str) -> str:
    """Extra copies of the placeholder would ask the question twice; keep the first."""
    first = text.index(PLACEHOLDER) + len(PLACEHOLDER)
    return text[:first] + re.sub(r"[ \t]*" + re.escape(PLACEHOLDER), "", text[first:])
