"""A real OpenAI-compatible endpoint whose replies come from a Python function.

For tests that need a model to behave in a known way: a judge that rates by a rule, a mutator that
returns a crafted template, a target that tries a prompt injection. The client side is the real
one (the `openai` async client through the model layer and the run store); only the model's mind
is scripted. Every request body is kept, so a test can see exactly what a judge was shown.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from distillscope.models.plan import estimate_tokens
from doubles.http import BackgroundServer, HttpRequest, write_response

# (messages, the whole request body) -> reply text
Script = Callable[[list[dict[str, str]], dict[str, Any]], str]


class ScriptedServer(BackgroundServer):
    def __init__(self, script: Script, model: str = "scripted") -> None:
        super().__init__()
        self.script = script
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []  # as requested, query included
        self._lock = threading.Lock()

    @property
    def spec(self) -> str:
        return f"{self.url}/v1#{self.model}"

    async def respond(self, request: HttpRequest, writer: asyncio.StreamWriter) -> bool:
        if request.method == "GET" and request.path.rstrip("/").endswith("/models"):
            body = {"object": "list", "data": [{"id": self.model, "object": "model", "owned_by": "scripted"}]}
            await write_response(writer, 200, json.dumps(body).encode())
            return True
        path = request.path.partition("?")[0]
        with self._lock:
            self.paths.append(request.path)
        if request.method != "POST" or not path.rstrip("/").endswith("/chat/completions"):
            await write_response(writer, 404, b'{"error":{"message":"not found"}}')
            return True
        payload = json.loads(request.body)
        with self._lock:
            self.requests.append(payload)
        messages = payload.get("messages", [])
        replies = [self.script(messages, payload) for _ in range(int(payload.get("n", 1)))]
        prompt_tokens = sum(estimate_tokens(str(m.get("content", ""))) for m in messages)
        body = {
            "id": f"chatcmpl-scripted-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                for i, text in enumerate(replies)
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": sum(estimate_tokens(t) for t in replies),
                "total_tokens": prompt_tokens + sum(estimate_tokens(t) for t in replies),
            },
        }
        await write_response(writer, 200, json.dumps(body).encode())
        return True
