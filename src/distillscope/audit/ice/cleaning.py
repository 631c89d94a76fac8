"""Cleaning a mutant: what a mutator model wrote, reduced to a template with exactly one placeholder.

Mutator models wrap their answer: "Sure! Here is the rephrased template:", a code fence, a closing
"Let me know if...". Left in, that chatter is sent to the target as part of every prompt. They also
drop or duplicate the placeholder: in the ICE paper's own data about half of one model's prompts had
lost it, so those prompts asked no question at all. Each of these is repaired here, and every repair
is reported, so a run can say how many of its mutants needed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from distillscope.audit.ice.templates import PLACEHOLDER

_TAGGED = re.compile(r"<template>\s*(.*?)\s*(?:</template>|$)", re.DOTALL | re.IGNORECASE)
_FENCED = re.compile(r"```[\w+-]*[ \t]*\n?(.*?)(?:```|$)", re.DOTALL)
_PREAMBLE = re.compile(
    r"^(?:sure|certainly|of course|absolutely|okay|ok|alright|got it|here(?:'s|’s| is| are)|below is|"
    r"the following|as requested|i(?:'ve| have) (?:rewritten|rephrased|created|written|shortened|expanded)|"
    r"好的|当然|没问题|以下是|下面是|这是)",
    re.IGNORECASE,
)
_PLEASANTRY = re.compile(
    r"^(?:sure|certainly|of course|absolutely|okay|ok|alright|got it|好的|当然|没问题)\b[^.!。！]{0,40}[.!。！]*$",
    re.IGNORECASE,
)
_ABOUT_TEMPLATE = re.compile(r"template|prompt|version|rewrit|rephras|模板|提示", re.IGNORECASE)
_LABEL_WORDS = r"(?:template|prompt|version|result|output)\s*(?:\d+)?[*\s]*[:：][*\s]*"
_ADJECTIVES = r"(?:new|rephrased|rewritten|shortened|expanded|mutated|crossed-over|combined|improved|final|similar)"
_LABEL_LINE = re.compile(rf"^[*#\s]*(?:{_ADJECTIVES}\s+)?{_LABEL_WORDS}", re.IGNORECASE)
_MUTATION_LABEL = re.compile(rf"^[*#\s]*{_ADJECTIVES}\s+{_LABEL_WORDS}", re.IGNORECASE)
_POSTAMBLE = re.compile(
    r"^(?:i hope|hope this|let me know|feel free|note\s*:|this (?:template|version|new|rephrased|rewritten)|"
    r"in this (?:version|template)|the (?:placeholder|template|new template)|explanation\s*:|希望|注意|如需|说明)",
    re.IGNORECASE,
)
_PLACEHOLDER_FORMS = re.compile(
    r"\{\{\s*(?:query|question|prompt)\s*\}\}|\{\s*(?:query|question|prompt)\s*\}|\[\s*insert prompt here\s*\]"
    r"|\[(?:query|question|prompt)\]|<\s*(?:query|question)\s*>",
    re.IGNORECASE,
)
_QUOTES = [('"""', '"""'), ("'''", "'''"), ('"', '"'), ("“", "”")]


@dataclass
class CleanedTemplate:
    text: str
    placeholders_found: int
    stripped: list[str] = field(default_factory=list)
    empty: bool = False

    @property
    def repaired(self) -> bool:
        """The placeholder had to be added back, or extra copies removed."""
        return self.placeholders_found != 1


def clean_mutant(raw: str) -> CleanedTemplate:
    stripped: list[str] = []
    text = raw.replace("\r\n", "\n").strip()
    text = _unwrap(text, _TAGGED, "tags", stripped)
    text = _unwrap(text, _FENCED, "code fence", stripped)
    text = _drop_preamble(text, stripped)
    text = _drop_postamble(text, stripped)
    text = _strip_quotes(text, stripped)
    text, found = _one_placeholder(text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    body = text.replace(PLACEHOLDER, "").strip()
    return CleanedTemplate(text=text, placeholders_found=found, stripped=stripped, empty=not body)


def _unwrap(text: str, pattern: re.Pattern[str], what: str, stripped: list[str]) -> str:
    """The longest wrapped block, if the text has one."""
    blocks = [m.group(1).strip() for m in pattern.finditer(text)]
    if not blocks:
        return text
    stripped.append(what)
    return max(blocks, key=len)


def _drop_preamble(text: str, stripped: list[str]) -> str:
    lines = text.split("\n")
    while len(lines) > 1 and PLACEHOLDER not in lines[0] and _is_preamble(lines[0]):
        stripped.append(f"preamble: {lines[0].strip()[:60]}")
        lines.pop(0)
        while lines and not lines[0].strip():
            lines.pop(0)
    if lines:
        label = _MUTATION_LABEL.match(lines[0])
        if label is None and PLACEHOLDER not in lines[0]:
            label = _LABEL_LINE.match(lines[0])
        if label is not None:
            stripped.append("label")
            lines[0] = lines[0][label.end() :]
            if not lines[0].strip():
                lines.pop(0)
    return "\n".join(lines).strip()


def _is_preamble(line: str) -> bool:
    line = line.strip()
    if not line:
        return True
    if _LABEL_LINE.fullmatch(line):
        return True
    if _PLEASANTRY.match(line):
        return True
    if not _PREAMBLE.match(line):
        return False
    return line.endswith((":", "：")) or (len(line) <= 120 and _ABOUT_TEMPLATE.search(line) is not None)


def _drop_postamble(text: str, stripped: list[str]) -> str:
    lines = text.split("\n")
    while len(lines) > 1 and PLACEHOLDER not in lines[-1] and (not lines[-1].strip() or _POSTAMBLE.match(lines[-1])):
        if lines[-1].strip():
            stripped.append(f"postamble: {lines[-1].strip()[:60]}")
        lines.pop()
    return "\n".join(lines).strip()


def _strip_quotes(text: str, stripped: list[str]) -> str:
    for left, right in _QUOTES:
        inner = text[len(left) : -len(right)]
        if len(text) > len(left) + len(right) and text.startswith(left) and text.endswith(right) and left not in inner:
            stripped.append("quotes")
            return inner.strip()
    return text


def _one_placeholder(text: str) -> tuple[str, int]:
    """Every spelling of the placeholder made canonical; the first kept, the rest removed; one added if none."""
    matches = list(_PLACEHOLDER_FORMS.finditer(text))
    if not matches:
        return f"{text.rstrip()}\n\n{PLACEHOLDER}", 0
    first = matches[0]
    head = text[: first.start()] + PLACEHOLDER
    tail = re.sub(r"[ \t]*(?:" + _PLACEHOLDER_FORMS.pattern + ")", "", text[first.end() :], flags=re.IGNORECASE)
    return head + tail, len(matches)
