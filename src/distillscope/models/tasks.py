"""Many coroutines at once, failing fast: the concurrency every batch of model calls is built on.

A per-item failure is the caller's to record (as `CallFailed` results); anything raised out of a
coroutine is fatal (an unreachable endpoint, a rejected key, a missing recording) and would hit every
other item the same way. So all run in one task group, the first fatal error cancels the rest, and
it surfaces as itself rather than wrapped in an exception group, so the CLI can show it as one line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


async def gather_fail_fast(coroutines: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Every result, in order; the first fatal error, unwrapped, if any coroutine raises."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(c) for c in coroutines]
    except BaseExceptionGroup as errors:
        raise first_leaf(errors) from None
    return [task.result() for task in tasks]


def first_leaf(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error
