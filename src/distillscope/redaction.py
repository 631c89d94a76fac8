"""Secrets never leave the process inside error text.

An endpoint may echo a request back in its error body (the Authorization header included), and an
error's text is stored in the run store, copied into result files and printed. So every error text
passes through `redact` on its way out: the API key values this process uses (registered when a
model reads its key, and any environment variable named like a key or token) are replaced, and so
is anything shaped like a credential: bearer tokens, `sk-...` keys, `hf_...` tokens, Google keys,
and the value after an `api_key=` or `"authorization":`. Model replies are not touched: they are data.
"""

from __future__ import annotations

import os
import re

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 8  # shorter values would scrub ordinary words out of messages
_SECRET_VARIABLE = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)
_BEARER = re.compile(r"(?i)\b(bearer\s+)(?!\[redacted\])[^\s\"',;}\]]+")
_SHAPES = [
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\bhf_[A-Za-z0-9]{20,}"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"),
]
# `api_key=VALUE`, `"x-api-key": "VALUE"`, `authorization: Basic VALUE`: keep the name, drop the value.
_NAMED = re.compile(
    r"(?i)(\b(?:api[_-]?key|x-api-key|authorization|access[_-]?token)\b[\"']?\s*[:=]\s*[\"']?"
    r"(?:(?:bearer|basic|token)\s+)?+)(?!\[redacted\])([^\s\"',;}\]]+)"
)

_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret this process uses, so no error text can carry it out."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        _registered.add(value)


def _known_secrets() -> list[str]:
    from_env = {
        value
        for name, value in os.environ.items()
        if _SECRET_VARIABLE.search(name) and value and len(value) >= MIN_SECRET_LENGTH
    }
    return sorted(_registered | from_env, key=len, reverse=True)  # longest first: no partial leftovers


def redact(text: str) -> str:
    """`text` with every known secret and every credential-shaped string replaced by `[redacted]`."""
    if not text:
        return text
    for secret in _known_secrets():
        text = text.replace(secret, REDACTED)
    for shape in _SHAPES:
        text = shape.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    return _NAMED.sub(lambda m: m.group(1) + REDACTED, text)
