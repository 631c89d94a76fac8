"""Secrets never leave the process inside error text.

An endpoint may echo a request back in its error body (the Authorization header included), and an
error's text is stored in the run store, copied into result files and printed. So every error text
passes through `redact` on its way out: the API key values this process uses (registered when a
model reads its key, and any environment variable named like a key or token) are replaced, and so
is anything shaped like a credential: bearer tokens, `sk-...` keys, `hf_...` tokens, Google keys,
and the value after an `api_key=` or `"authorization":`. A URL loses its user-info
(`https://user:PASSWORD@host`) and the values of its key-like query parameters (`?api_key=...`).
Model replies are not touched: they are data.

Redaction runs last, on the whole text: a message is cut to length only after it was redacted, so a
key that straddles the cut cannot leave half of itself behind.
"""

from __future__ import annotations

import os
import re

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 8  # shorter values would scrub ordinary words out of messages
_SECRET_VARIABLE = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)
_BEARER = re.compile(r"(?i)\b(bearer\s+)(?!\[redacted\])[^\s\"',;}\]]+")
# Each shape starts with its literal and checks the word boundary behind it (`sk-(?<=\bsk-)` is
# `\bsk-`): a pattern that opens with a literal is found by a fast substring search, one that opens
# with `\b` is tried at every character, 20 times slower on an answer of a thousand characters, and
# every cell of a result file passes here.
_SHAPES = [
    re.compile(r"sk-(?<=\bsk-)[A-Za-z0-9_\-]{8,}"),
    re.compile(r"hf_(?<=\bhf_)[A-Za-z0-9]{20,}"),
    re.compile(r"AIza(?<=\bAIza)[0-9A-Za-z_\-]{30,}"),
]
# `api_key=VALUE`, `"x-api-key": "VALUE"`, `authorization: Basic VALUE`: keep the name, drop the value.
_NAMED = re.compile(
    r"(?i)(\b(?:api[_-]?key|x-api-key|authorization|access[_-]?token)\b[\"']?\s*[:=]\s*[\"']?"
    r"(?:(?:bearer|basic|token)\s+)?+)(?!\[redacted\])([^\s\"',;}\]]+)"
)
_NAMED_WORDS = ("api", "authorization", "access")  # one of them is in every name `_NAMED` knows

# `scheme://user:password@host`: everything between the scheme and the `@` goes.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)(?!\[redacted\]@)[^/\s@?#]+@")
# `?api_key=V`, `&token=V`, `&sig=V`: the parameter's name stays, its value goes.
_QUERY_SECRET = re.compile(
    r"(?i)([?&](?:api[_-]?key|key|token|access[_-]?token|secret|password|passwd|auth|sig|signature)=)"
    r"(?!\[redacted\])([^&#\s\"'<>]+)"
)

_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret this process uses, so no error text can carry it out."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        _registered.add(value)


_known: tuple[dict[object, object], frozenset[str], list[str]] | None = None


def _environment_snapshot() -> dict[object, object]:
    """The environment as a plain dict, copied in C: `os.environ.items()` decodes every name and value
    in Python, and a result file passes each of its cells through `redact` (100,000 cells spent 17 s
    there when the secrets were re-read from the environment for every one)."""
    raw = getattr(os.environ, "_data", None)
    return raw.copy() if isinstance(raw, dict) else dict(os.environ)


def _known_secrets() -> list[str]:
    """The registered secrets and the environment's key-like values, longest first; worked out again
    only when the environment or the registered set has changed since the last call."""
    global _known
    snapshot, registered = _environment_snapshot(), frozenset(_registered)
    if _known is not None and _known[0] == snapshot and _known[1] == registered:
        return _known[2]
    from_env = {
        value
        for name, value in os.environ.items()
        if _SECRET_VARIABLE.search(name) and value and len(value) >= MIN_SECRET_LENGTH
    }
    secrets = sorted(registered | from_env, key=len, reverse=True)  # longest first: no partial leftovers
    _known = (snapshot, registered, secrets)
    return secrets


def redact(text: str) -> str:
    """`text` with every known secret and every credential-shaped string replaced by `[redacted]`."""
    if not text:
        return text
    for secret in _known_secrets():
        text = text.replace(secret, REDACTED)
    for shape in _SHAPES:
        text = shape.sub(REDACTED, text)
    # The other patterns cannot match without a literal of their own, and a substring test is a fast C
    # search where a pattern that opens with a group or `\b` is tried at every character: every cell of
    # a result file passes here (an audit of 400 prompts and 17 models writes 13,600 answers).
    lowered = text.lower()
    if "://" in text:
        text = _USERINFO.sub(lambda m: m.group(1) + REDACTED + "@", text)
    if "=" in text:
        text = _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
    if "bearer" in lowered:
        text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    if any(word in lowered for word in _NAMED_WORDS):
        text = _NAMED.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def redact_brief(text: str, limit: int) -> str:
    """`text` redacted, then cut to `limit` characters: never the other way round."""
    text = redact(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def redacted_traceback(exc: BaseException) -> str:
    """The whole traceback of `exc`, its causes and contexts included, with every secret redacted.

    What `--debug` prints: an exception chain can quote an endpoint's body (an echoed key)."""
    import traceback

    return redact("".join(traceback.format_exception(exc)))
