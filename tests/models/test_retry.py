from __future__ import annotations

import asyncio
import email.utils
import random

import pytest

from distillscope.models.retry import (
    RetriesExhausted,
    RetryPolicy,
    Verdict,
    backoff_delay,
    call_with_retries,
    parse_retry_after,
)


def test_retry_after_forms():
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    when = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after({"retry-after": when}, now=1_000_000) == pytest.approx(30, abs=1)
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_backoff_grows_exponentially_within_jitter_bounds():
    policy = RetryPolicy(base_delay=0.5, max_delay=8)
    rng = random.Random(0)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (6, 8.0)]:
        draws = [backoff_delay(attempt, policy, rng) for _ in range(200)]
        assert min(draws) >= ceiling / 2 and max(draws) <= ceiling
        assert max(draws) - min(draws) > ceiling / 4  # jittered, not fixed


def _flaky(failures: list[Exception]):
    calls = {"n": 0}

    async def attempt():
        calls["n"] += 1
        if failures:
            raise failures.pop(0)
        return "done"

    return attempt, calls


def _classify(exc: Exception) -> Verdict:
    if isinstance(exc, TimeoutError):
        return Verdict(True, "timeout", retry_after=7.0)
    if isinstance(exc, ConnectionRefusedError):
        return Verdict(True, "unreachable", limit=1)
    return Verdict(False, "bad")


def test_retries_until_success_and_honours_retry_after():
    slept: list[float] = []
    retried: list[str] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    attempt, calls = _flaky([TimeoutError(), TimeoutError()])
    result, attempts = asyncio.run(
        call_with_retries(attempt, _classify, RetryPolicy(), lambda r, _: retried.append(r), sleep)
    )
    assert (result, attempts, calls["n"]) == ("done", 3, 3)
    assert slept == [7.0, 7.0]
    assert retried == ["timeout", "timeout"]


def test_gives_up_after_max_retries():
    async def sleep(_: float) -> None:
        return None

    attempt, calls = _flaky([TimeoutError()] * 10)
    with pytest.raises(RetriesExhausted) as info:
        asyncio.run(call_with_retries(attempt, _classify, RetryPolicy(max_retries=3), None, sleep))
    assert calls["n"] == 4 and info.value.reason == "timeout"


def test_per_reason_limit_stops_early_and_fatal_errors_are_not_retried():
    async def sleep(_: float) -> None:
        return None

    attempt, calls = _flaky([ConnectionRefusedError()] * 5)
    with pytest.raises(RetriesExhausted):
        asyncio.run(call_with_retries(attempt, _classify, RetryPolicy(max_retries=6), None, sleep))
    assert calls["n"] == 2

    attempt, calls = _flaky([ValueError("bad request")])
    with pytest.raises(ValueError):
        asyncio.run(call_with_retries(attempt, _classify, RetryPolicy(), None, sleep))
    assert calls["n"] == 1


def test_retry_after_waits_cannot_add_up_past_the_total():
    """Each Retry-After of 7 s is allowed, but 10 of them would wait 70 s: the call ends at the total."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    attempt, calls = _flaky([TimeoutError()] * 10)
    with pytest.raises(RetriesExhausted) as info:
        asyncio.run(call_with_retries(attempt, _classify, RetryPolicy(max_retries=20, max_total_wait=30), None, sleep))
    assert sum(slept) <= 30 and slept == [7.0] * 4 and calls["n"] == 5
    assert "exceeds 30 s" in info.value.reason
