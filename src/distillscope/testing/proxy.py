"""An HTTP proxy that puts faults and latency in front of a real OpenAI-compatible server.

The model layer's promises (retry, back off, honour Retry-After, lose nothing) are only worth
what a real failure shows, so tests and benchmarks run real requests through this proxy to a real
server, and it misbehaves on cue: 429 with Retry-After, 500, a reply slower than the client's
timeout, a connection dropped without an answer, or a 200 whose body is not JSON.

It speaks just enough HTTP/1.1 for the OpenAI client (Content-Length bodies, keep-alive) and runs
its own event loop in a thread, so synchronous tests and subprocesses can use it alike.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

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


class FaultProxy:
    def __init__(self, upstream: str, plan: FaultPlan = no_faults, latency: float = 0.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.plan = plan
        self.latency = latency
        self.stats = ProxyStats()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._pool: _UpstreamPool | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True, name="fault-proxy")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fault proxy did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._pool = _UpstreamPool(self.upstream)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            self._pool.close()
            self._loop.close()

    def _next_fault(self) -> Fault:
        with self._lock:
            index = self.stats.received
            self.stats.received += 1
            fault = self.plan(index)
            if fault.kind != "ok":
                self.stats.faults[fault.kind] += 1
        return fault

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                keep_open = await self._respond(request, writer)
                if not keep_open:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()

    async def _respond(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        with self._lock:
            self.stats.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
        try:
            return await self._respond_with_fault(request, writer)
        finally:
            with self._lock:
                self.stats.in_flight -= 1

    async def _respond_with_fault(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        fault = self._next_fault()
        if self.latency:
            await asyncio.sleep(self.latency)
        if fault.kind == "drop":
            writer.transport.abort()
            return False
        if fault.kind == "rate_limit":
            body = b'{"error":{"message":"rate limited by fault proxy","type":"rate_limit"}}'
            await _write(writer, 429, body, {"retry-after": f"{fault.retry_after:g}"})
            return True
        if fault.kind == "server_error":
            await _write(writer, 500, b'{"error":{"message":"injected server error"}}')
            return True
        if fault.kind == "malformed":
            await _write(writer, 200, b'{"id": "chatcmpl-broken", "choices": [{"index": 0, "mess')
            return True
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
        assert self._pool is not None
        status, headers, body = await self._pool.forward(request)
        with self._lock:
            self.stats.forwarded += 1
            self.stats.forwarded_bodies.append(request.body)
        await _write(writer, status, body, {"content-type": headers.get("content-type", "application/json")})
        return True


@dataclass
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


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

    async def forward(self, request: _Request) -> tuple[int, dict[str, str], bytes]:
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
                status, headers, body = await _read_response(reader)
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


def _parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    first, headers = _parse_head(head)
    method, path, _ = first.split(" ", 2)
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return _Request(method, path, headers, body)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    first, headers = _parse_head(await reader.readuntil(b"\r\n\r\n"))
    status = int(first.split(" ", 2)[1])
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    else:
        length = int(headers.get("content-length", "0"))
        body = await reader.readexactly(length) if length else b""
    return status, headers, body


_REASONS = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error"}


async def _write(writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    merged = {"content-type": "application/json", **(headers or {})}
    merged["content-length"] = str(len(body))
    lines += [f"{k}: {v}" for k, v in merged.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
