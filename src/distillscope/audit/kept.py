"""Work an audit keeps: a learned signal's per-item scores, stored under a hash of all they depend on.

A rerun of an audit calls no model (the run store answers every call) and embeds no text (vectors
are stored by text), but the learned signals would still fit every fold again: the classifier alone
fits folds × panel models. Their scores are a function of the method's settings, the answers (each
text and whose it is, in which role) and the code, nothing else, so they are kept in the run store's
state table under a hash of exactly that, and a rerun reads them back. Any changed answer, setting,
role or method version is a new key, so a stale score is never reused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from distillscope import __version__
from distillscope.audit.responses import Answers
from distillscope.store import RunStore

T = TypeVar("T")
NAMESPACE = "audit-scores"


def answers_material(answers: Answers) -> dict[str, Any]:
    """What a method's scores depend on in the answers: every text (as a hash), by owner, role and item."""

    def digest(texts: dict[str, str]) -> str:
        joined = json.dumps(sorted(texts.items()), ensure_ascii=False)
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()

    owners = [(a.model, a.role, digest(a.texts)) for a in answers.subjects]
    if answers.ceiling is not None:
        owners.append((answers.ceiling.model, "ceiling", digest(answers.ceiling.texts)))
    domains = sorted((item.uid, item.domain) for item in answers.items)
    return {"reference": digest(answers.reference), "owners": owners, "domains": domains}


def kept(store: RunStore, method: str, version: int, material: dict[str, Any], compute: Callable[[], T]) -> T:
    """The value stored under this material, or `compute()`'s, stored for next time."""
    key_text = json.dumps({"method": method, "version": version, "code": __version__, **material}, sort_keys=True)
    key = hashlib.sha256(key_text.encode("utf-8")).hexdigest()
    found = store.get_state(NAMESPACE, key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = compute()
    store.put_state(NAMESPACE, key, value)
    return value
