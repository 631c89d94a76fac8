"""An OpenAI-compatible endpoint that misbehaves as a careless or hostile one does.

It answers every chat request with an error status whose body echoes the request back, headers
included, so the API key the client sent comes back in the body (as some gateways and debugging
proxies do), or with a 200 whose body is not a chat completion. It can also trickle a 200 reply
one byte at a time (`trickle`: each read is quick, the whole never ends), answer a body far larger
than any reply (`huge`), answer a given odd completion (`reply`), or pad its echo (`pad`) so that
the key sits past the point where an error text is cut to length. The client side is the real one,
so a test can follow the echoed key through every place an error goes: the run store, the result
files and the terminal.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence

from doubles.http import BackgroundServer, HttpRequest, write_response


class HostileServer(BackgroundServer):
    def __init__(
        self,
        statuses: Sequence[int] = (400, 429, 500),
        garbage: bool = False,
        model: str = "hostile",
        *,
        trickle: float | None = None,
        huge: int | None = None,
        pad: int = 0,
        reply: dict | None = None,
    ):
        super().__init__()
        self.statuses = list(statuses)
        self.garbage = garbage
        self.trickle = trickle  # seconds between the bytes of an endless 200 body
        self.huge = huge  # bytes of a 200 body that is one enormous answer
        self.pad = pad  # characters before the echoed key in the error message
        self.reply = reply  # a 200 body answered as given: an odd completion (content null, usage < 0)
        self.model = model
        self.requests = 0
        self.paths: list[str] = []
        self._lock = threading.Lock()

    @property
    def spec(self) -> str:
        return f"{self.url}/v1#{self.model}"

    async def respond(self, request: HttpRequest, writer: asyncio.StreamWriter) -> bool:
        with self._lock:
            index = self.requests
            self.requests += 1
            self.paths.append(request.path)
        if self.trickle is not None:
            await self._trickle(writer)
            return False
        if self.reply is not None:
            await write_response(writer, 200, json.dumps(self.reply).encode())
            return True
        if self.huge is not None:
            await write_response(writer, 200, _huge_completion(self.model, self.huge))
            return True
        if self.garbage:
            await write_response(
                writer, 200, b"<html>upstream said: \x1b[2Jnot json</html>", {"content-type": "text/html"}
            )
            return True
        status = self.statuses[index % len(self.statuses)]
        authorization = request.headers.get("authorization", "")
        key = authorization.removeprefix("Bearer ").strip()
        # Three ways a key comes back: the whole header, the bare value, a field of a JSON echo; with
        # `pad`, the bare value comes first, where a message cut to 200 characters would split it.
        lead = f"{'.' * self.pad} {key} " if self.pad else ""
        body = {
            "error": {
                "message": f"rejected request {index}: {lead}got header 'Authorization: {authorization}' (key {key})",
                "type": "invalid_request_error",
                "echo": {"path": request.path, "headers": dict(request.headers), "api_key": key},
            }
        }
        headers = {"retry-after": "0"} if status == 429 else {}
        await write_response(writer, status, json.dumps(body).encode(), headers)
        return True

    async def _trickle(self, writer: asyncio.StreamWriter) -> None:
        """A 200 head at once, then a body that never finishes: one space, every `trickle` seconds."""
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n{")
        await writer.drain()
        while not writer.is_closing():
            await asyncio.sleep(self.trickle or 0.5)
            writer.write(b" ")
            await writer.drain()


def _huge_completion(model: str, size: int) -> bytes:
    answer = "word " * (size // 5)
    body = {"model": model, "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}]}
    return json.dumps(body).encode()
