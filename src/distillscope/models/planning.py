"""Whether models are being made to be counted (a dry run) rather than called.

A dry run plans calls without making one, so a missing API key is no reason to refuse to count and
price them; the real run still refuses it before its first call.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_PLANNING = contextvars.ContextVar("planning_only", default=False)


@contextlib.contextmanager
def planning_only() -> Iterator[None]:
    """Models made inside need no API key: they are counted and priced, never called."""
    token = _PLANNING.set(True)
    try:
        yield
    finally:
        _PLANNING.reset(token)


def planning() -> bool:
    return _PLANNING.get()
