"""An HTTP proxy that puts faults and latency in front of a real OpenAI-compatible server.

The model layer's promises (retry, back off, honour Retry-After, lose nothing) are only worth
what a real failure shows, so tests and benchmarks run real requests through this proxy to a real
server, and it misbehaves on cue: 429 with Retry-After, 500, a reply slower than the client's
timeout, a connection dropped without an answer, or a 200 whose body is not JSON.

It runs its own event loop in a thread (see `tests/doubles/http.py`), so synchronous tests and
subprocesses can use it alike.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from doubles.http import BackgroundServer, HttpRequest, read_response, write_response

FaultKind = Literal["ok", "rate_limit", "server_error", "slow", "drop", "malformed"]
FAULT_KINDS: tuple[FaultKind, ...] = ("rate_limit", "server_error", "slow", "drop", "malformed")


@dataclass(frozen=True)
class Fault:
    kind: FaultKind = "ok"
    retry_after: float = 0.2  # for rate_limit
    delay: float = 5.0  # for slow: longer than the client's timeout


FaultPlan = Callable[[int], Fault]


def cycle_faults(faults: Sequence[Fault], every: int = 1) -> FaultPlan:
    """Every `every`-th request gets the next fault of the list in turn; the rest pass."""

    def plan(index: int) -> Fault:
        if every <= 0 or index % every != 0:
            return Fault()
        return faults[(index // every) % len(faults)]

    return plan


def no_faults(_: int) -> Fault:
    return Fault()


@dataclass
class ProxyStats:
    received: int = 0
    forwarded: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    forwarded_bodies: list[bytes] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    @property
    def injected(self) -> int:
        return sum(self.faults.values())


class FaultProxy(BackgroundServer):
    def __init__(self, upstream: str, plan: FaultPlan = no_faults, latency: float = 0.0) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.plan = plan
        self.latency = latency
        self.stats = ProxyStats()
        self._lock = threading.Lock()
        self._pool = _UpstreamPool(self.upstream)

    def on_stop(self) -> None:
        self._pool.close()

    def _next_fault(self) -> Fault:
        with self._lock:
            index = self.stats.received
            self.stats.received += 1
            fault = self.plan(index)
            if fault.kind != "ok":
                self.stats.faults[fault.kind] += 1
        return fault

    async def respond(self, request: HttpRequest, writer: asyncio.StreamWriter) -> bool:
        with self._lock:
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
        try:
            return await self._respond_with_fault(request, writer)
        finally:
            with self._lock:
                self.stats.in_flight -= 1

    async def _respond_with_fault(self, request: HttpRequest, writer: asyncio.StreamWriter) -> bool:
        fault = self._next_fault()
        if self.latency:
            await asyncio.sleep(self.latency)
        if fault.kind == "drop":
            writer.transport.abort()
            return False
        if fault.kind == "rate_limit":
            body = b'{"error":{"message":"rate limited by fault proxy","type":"rate_limit"}}'
            await write_response(writer, 429, body, {"retry-after": f"{fault.retry_after:g}"})
            return True
        if fault.kind == "server_error":
            await write_response(writer, 500, b'{"error":{"message":"injected server error"}}')
            return True
        if fault.kind == "malformed":
            await write_response(writer, 200, b'{"id": "chatcmpl-broken", "choices": [{"index": 0, "mess')
            return True
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        status, headers, body = await self._pool.forward(request)
        with self._lock:
            self.stats.forwarded += 1
            self.stats.forwarded_bodies.append(request.body)
        await write_response(writer, status, body, {"content-type": headers.get("content-type", "application/json")})
        return True


class _UpstreamPool:
    """Keep-alive connections to the upstream server, reused across requests.

    Plain asyncio streams rather than an HTTP client library: the proxy must cost the benchmark far
    less CPU than the server and the client it sits between.
    """

    def __init__(self, upstream: str) -> None:
        host_port = upstream.split("://", 1)[1].split("/", 1)[0]
        host, _, port = host_port.partition(":")
        self.host, self.port = host, int(port or 80)
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def forward(self, request: HttpRequest) -> tuple[int, dict[str, str], bytes]:
        for attempt in range(2):
            reused = bool(self._idle)
            reader, writer = self._idle.pop() if reused else await asyncio.open_connection(self.host, self.port)
            try:
                head = [f"{request.method} {request.path} HTTP/1.1", f"host: {self.host}:{self.port}"]
                for name in ("content-type", "authorization", "accept"):
                    if name in request.headers:
                        head.append(f"{name}: {request.headers[name]}")
                head.append(f"content-length: {len(request.body)}")
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + request.body)
                await writer.drain()
                status, headers, body = await read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                if reused and attempt == 0:
                    continue  # a stale keep-alive connection: open a fresh one
                raise
            self._idle.append((reader, writer))
            return status, headers, body
        raise ConnectionError("upstream closed the connection")

    def close(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()
