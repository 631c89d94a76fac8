"""An OpenAI-compatible endpoint that misbehaves as a careless or hostile one does.

It answers every chat request with an error status whose body echoes the request back, headers
included, so the API key the client sent comes back in the body (as some gateways and debugging
proxies do), or with a 200 whose body is not a chat completion. The client side is the real one,
so a test can follow the echoed key through every place an error goes: the run store, the result
files and the terminal.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence

from distillscope.testing.http import BackgroundServer, HttpRequest, write_response


class HostileServer(BackgroundServer):
    def __init__(self, statuses: Sequence[int] = (400, 429, 500), garbage: bool = False, model: str = "hostile"):
        super().__init__()
        self.statuses = list(statuses)
        self.garbage = garbage
        self.model = model
        self.requests = 0
        self._lock = threading.Lock()

    @property
    def spec(self) -> str:
        return f"{self.url}/v1#{self.model}"

    async def respond(self, request: HttpRequest, writer: asyncio.StreamWriter) -> bool:
        with self._lock:
            index = self.requests
            self.requests += 1
        if self.garbage:
            await write_response(
                writer, 200, b"<html>upstream said: \x1b[2Jnot json</html>", {"content-type": "text/html"}
            )
            return True
        status = self.statuses[index % len(self.statuses)]
        authorization = request.headers.get("authorization", "")
        key = authorization.removeprefix("Bearer ").strip()
        # Three ways a key comes back: the whole header, the bare value, a field of a JSON echo.
        body = {
            "error": {
                "message": f"rejected request {index}: got header 'Authorization: {authorization}' (key {key})",
                "type": "invalid_request_error",
                "echo": {"headers": dict(request.headers), "api_key": key},
            }
        }
        headers = {"retry-after": "0"} if status == 429 else {}
        await write_response(writer, status, json.dumps(body).encode(), headers)
        return True
