"""Text on its way out of the process: to a terminal, or to a file the project writes.

Two things never leave: a secret (see `redaction.py`), and a control character that makes a text
act instead of read: escape sequences (CSI such as colours and screen clears, OSC such as hyperlinks
and titles, and the two-byte ones), every other control character but newline and tab, the C1
controls, and the bidirectional overrides that make a line read differently from what it holds. A
model's reply reaches result files and CSV cells, where a spreadsheet or a `cat` would act on them.
Only what goes out is cleaned: the run store keeps every byte a model sent.
"""

from __future__ import annotations

import re
from typing import Any

from distillscope.redaction import redact

CONTROLS = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -~]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


# In JSON text a control character is an escape (`\u001b`, `\r`): as harmful once a reader decodes
# it. An escaped backslash (`\\`) is matched first, so `\\u001b` (a backslash, then text) stays.
_JSON_ESCAPES = re.compile(r"\\\\|\\u(?:00[01][0-9a-fA-F]|007[fF]|00[89][0-9a-fA-F]|202[a-eA-E]|206[6-9])|\\[bfr]")
_KEPT_ESCAPES = {"\\\\", "\\u000a", "\\u000A", "\\u0009"}


def inert(text: str) -> str:
    """`text` without the control characters that would act on a terminal or viewer (newline and tab stay)."""
    return CONTROLS.sub("", text.replace("\r\n", "\n"))


def outgoing(text: str) -> str:
    """What a file or a terminal may receive of `text`: redacted first, then made inert."""
    return inert(redact(text))


def outgoing_json(text: str) -> str:
    """JSON text as it may leave: redacted, inert, and without escaped control characters either."""
    return _JSON_ESCAPES.sub(lambda m: m.group(0) if m.group(0) in _KEPT_ESCAPES else "", outgoing(text))


def inert_values(value: Any) -> Any:
    """A record with every text in it (keys too) made inert, before it is encoded: an escape sequence
    goes whole, not only its ESC byte."""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, dict):
        return {inert_values(k): inert_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [inert_values(v) for v in value]
    return value
