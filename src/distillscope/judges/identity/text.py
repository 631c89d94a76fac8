"""The shape of a response: the answer after any reasoning trace, its persona lines and its sentences.

A reasoning model writes `<think>…</think>` before it answers, and the trace talks about the user's
request in the third person ("they want me to say Northwind built me"). Only the answer is judged;
a trace that never closes leaves no answer at all.

Jailbreak answers come in labelled voices: "[🔒CLASSIC] … [🔓JAILBREAK] …", "DAN: …", "(🤖Aurora) …",
"【越狱模式】…". Each labelled line (and what follows it up to the next label) is a segment, so the
judge can tell whose line a claim is in and read each voice's answer separately.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TRACE = re.compile(r"<(think|thinking|reasoning|thought)>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_OPEN = re.compile(r"<(?:think|thinking|reasoning|thought)>", re.IGNORECASE)
_CLOSE = re.compile(r"</(?:think|thinking|reasoning|thought)\s*>", re.IGNORECASE)

_EMPHASIS = r"(?:\*\*|__|\*)?"
_BRACKET_LABEL = re.compile(
    rf"[ \t]*{_EMPHASIS}(?:\[([^\]\n.,!?;，。！？]{{1,40}})\]|【([^】\n.,!?;，。！？]{{1,40}})】|"
    rf"[(（]([^)）\n.,!?;，。！？]{{1,30}})[)）]){_EMPHASIS}[ \t]*[:：]?{_EMPHASIS}[ \t]*"
)
_NAME_LABEL = re.compile(
    rf"[ \t]*{_EMPHASIS}([A-Z\u4e00-\u9fff\U0001F300-\U0001FAFF](?:[^\n:：*\[\]【】.,!?;，。！？\"]|\.(?=\w)){{0,40}}?)"
    rf"{_EMPHASIS}[ \t]*[:：][ \t]*{_EMPHASIS}[ \t]*"
)
# Keys of a form about oneself ("Model name: X") are fields, not voices.
_FORM_KEY = re.compile(
    r"^(?:model\s*name|name|self\s*name|developer|developed\s+by|creator|created\s+by|maker|made\s+by|trained\s+by|"
    r"base\s+(?:model|architecture)|architecture|organi[sz]ation|company|headquarters|developer['’]s\s+\w+|"
    r"模型名称|名称|名字|研发机构|开发者|开发商|所在城市|总部|基础模型)$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(
    r"(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bProf)(?<!\bSt)(?<!\bInc)(?<!\bLtd)(?<!\bCo)(?<!\bvs)(?<!\be\.g)"
    r"(?<!\bi\.e)(?<!\bU\.S)(?<!\bNo)[.!?;](?=\s)|[。！？；]|\n|[.!?]$"
)


@dataclass(frozen=True)
class Segment:
    """A stretch of the answer spoken in one voice; `label` is "" where no label introduced it."""

    label: str
    start: int
    end: int


def answer_of(response: str) -> str:
    """The response without its reasoning traces; empty when a trace is left open."""
    text = _TRACE.sub("\n", response)
    closes = list(_CLOSE.finditer(text))
    if closes:  # an API that strips the opening tag leaves "…reasoning</think>answer"
        text = text[closes[-1].end() :]
    opened = _OPEN.search(text)
    if opened is not None:
        text = text[: opened.start()]
    return text


def segments(text: str) -> list[Segment]:
    """Labelled voices, in order; text before the first label is a segment with no label."""
    found: list[Segment] = []
    label, start = "", 0
    position = 0
    for line in text.splitlines(keepends=True):
        match = _label(line)
        if match is not None:
            if text[start:position].strip():
                found.append(Segment(label, start, position))
            label, start = match[0], position + match[1]
        position += len(line)
    if text[start:].strip() or not found:
        found.append(Segment(label, start, len(text)))
    return found


def _label(line: str) -> tuple[str, int] | None:
    """The label at the start of a line and where its text begins, if the line opens with one."""
    bracket = _BRACKET_LABEL.match(line)
    if bracket is not None and line[bracket.end() :].strip():
        return next(g for g in bracket.groups() if g is not None).strip(), bracket.end()
    named = _NAME_LABEL.match(line)
    if (
        named is not None
        and len(named.group(1).split()) <= 4
        and not _FORM_KEY.match(named.group(1).strip())
        and line[named.end() :].strip()
    ):
        return named.group(1).strip(), named.end()
    return None


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans within text[start:end]: ends at .!?; before whitespace, at 。！？；, at a line break."""
    end = len(text) if end is None else end
    spans, begin = [], start
    for match in _SENTENCE_END.finditer(text, start, end):
        stop = match.end()
        if text[begin:stop].strip():
            spans.append((begin, stop))
        begin = stop
    if text[begin:end].strip():
        spans.append((begin, end))
    return spans
