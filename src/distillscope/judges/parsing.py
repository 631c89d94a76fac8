"""Reading an LLM judge's reply: find the JSON object it was asked for, whatever surrounds it.

Judges wrap JSON in code fences, add a sentence before it, use single quotes or leave a trailing
comma. Each of those is recovered; anything else is reported as unparseable, never guessed.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in `text`, or None."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        for blob in _balanced_objects(candidate):
            no_trailing = _TRAILING_COMMA.sub(r"\1", blob)
            for variant in (blob, no_trailing, _single_to_double(blob), _single_to_double(no_trailing)):
                try:
                    value = json.loads(variant)
                except json.JSONDecodeError:
                    continue
                if isinstance(value, dict):
                    return value
    return None


def _balanced_objects(text: str) -> list[str]:
    """Every top-level {...} span, honouring strings so braces inside them do not count."""
    spans, depth, start, in_string, escaped, quote = [], 0, -1, False, False, ""
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                in_string = False
            continue
        if char in "\"'" and depth > 0:
            in_string, quote = True, char
        elif char == "{":
            if depth == 0:
                start = index
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append(text[start : index + 1])
    return spans


def _single_to_double(blob: str) -> str:
    return re.sub(r"'([^'\\]*)'", r'"\1"', blob) if '"' not in blob else blob


def score_in_range(value: Any, low: float, high: float) -> float | None:
    """A number within [low, high], from a number or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        match = re.search(r"-?\d+(?:\.\d+)?", value)
        if match is None:
            return None
        value = float(match.group())
    if not isinstance(value, int | float):
        return None
    return float(value) if low <= value <= high else None
