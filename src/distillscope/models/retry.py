"""Retrying a request: one loop for every backend, with a backend-specific classifier.

Backoff is exponential with "equal jitter" (half fixed, half random), so concurrent requests that
failed together do not retry together, yet none retries almost at once. A server's Retry-After
wins over the computed delay. An unreachable endpoint gets only a couple of quick retries: a server
that is not there will not appear during a long backoff, and the user should hear so at once.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    unreachable_retries: int = 2
    max_total_wait: float = 300.0  # all the waits of one call together: Retry-After cannot add up unseen


@dataclass(frozen=True)
class Verdict:
    """How to treat one failed attempt."""

    retry: bool
    reason: str
    retry_after: float | None = None
    limit: int | None = None  # a stricter retry limit for this reason


class RetriesExhausted(Exception):
    def __init__(self, reason: str, attempts: int, last: BaseException) -> None:
        self.reason = reason
        self.attempts = attempts
        self.last = last
        super().__init__(f"{reason} after {attempts} attempts: {last}")


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Delay before retry number `attempt` (0-based)."""
    ceiling = min(policy.max_delay, policy.base_delay * (2**attempt))
    draw = (rng or random).random()
    return ceiling / 2 + draw * ceiling / 2


def parse_retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `retry-after` as seconds or an HTTP date."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


async def call_with_retries(
    attempt_once: Callable[[], Awaitable[T]],
    classify: Callable[[Exception], Verdict],
    policy: RetryPolicy,
    on_retry: Callable[[str, float], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> tuple[T, int]:
    """Run `attempt_once` until it succeeds; return its result and the number of attempts made."""
    failures_by_reason: dict[str, int] = {}
    attempt = 0
    waited = 0.0
    while True:
        attempt += 1
        try:
            return await attempt_once(), attempt
        except Exception as exc:
            verdict = classify(exc)
            if not verdict.retry:
                raise
            seen = failures_by_reason.get(verdict.reason, 0) + 1
            failures_by_reason[verdict.reason] = seen
            if attempt > policy.max_retries or (verdict.limit is not None and seen > verdict.limit):
                raise RetriesExhausted(verdict.reason, attempt, exc) from exc
            delay = backoff_delay(attempt - 1, policy)
            if verdict.retry_after is not None:
                delay = min(max(delay, verdict.retry_after), policy.max_retry_after)
            if waited + delay > policy.max_total_wait:
                raise RetriesExhausted(
                    f"{verdict.reason}, waiting {waited + delay:.0f} s in all exceeds {policy.max_total_wait:.0f} s",
                    attempt,
                    exc,
                ) from exc
            waited += delay
            if on_retry is not None:
                on_retry(verdict.reason, delay)
            await sleep(delay)
