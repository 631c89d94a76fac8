"""Every OpenAI-compatible chat endpoint, through the official async client.

The client's own retries are off: retrying happens in `retry.py`, where 429s honour Retry-After,
timeouts, 5xx, dropped connections and malformed bodies back off with jitter, and an endpoint that
refuses connections or rejects the key stops the whole run with one clear line. Concurrency is
limited per endpoint (base URL and key variable), shared by every model object that uses it. The
key is registered for redaction as it is read, so an endpoint that echoes the request back in an
error body cannot carry it into a message; so are credentials written into the URL itself.

`timeout` is one deadline for the whole call (connecting, waiting for the first byte, reading the
body): the client's own timeout bounds each read, so a server that trickles a byte every second would
hold a call for ever. The body is read by us, in pieces, and refused past `max_reply_bytes`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
import time
import weakref
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import openai
import pydantic
from openai.types.chat import ChatCompletion

from distillscope.errors import EndpointError, MissingKeyError
from distillscope.models.base import CallFailed, ChatModel
from distillscope.models.config import ModelConfig
from distillscope.models.parsed_spec import ParsedSpec
from distillscope.models.planning import planning
from distillscope.models.retry import RetriesExhausted, RetryPolicy, Verdict, call_with_retries, parse_retry_after
from distillscope.models.types import ChatOutput, Choice, GenerateConfig, Message, TokenLogprob, Usage
from distillscope.redaction import redact, redact_brief, register_secret

log = logging.getLogger(__name__)
_KEY_LIKE = re.compile(r"(?i)key|token|secret|passw|auth|sig")
MAX_TOKEN_COUNT = 100_000_000  # a usage count above this is no count a model could have produced


class MalformedResponse(Exception):
    """The endpoint answered 200 with a body that is not a chat completion."""


class ReplyTooLarge(Exception):
    """The body grew past the model's `max_reply_bytes`: refused, neither stored nor printed."""


def split_base_url(url: str) -> tuple[str, dict[str, str]]:
    """The URL the client appends paths to, and its query parameters, sent with every request.

    `https://host/v1?api_key=K` must become requests to `https://host/v1/chat/completions?api_key=K`,
    not to `.../v1?api_key=K/chat/completions`. Every credential in the URL (the password of its
    user-info, the value of a key-like parameter) is registered for redaction before anything can
    print it; other parameters (`api-version=2024-02-01`) are not secrets and stay readable."""
    parts = urlsplit(url)
    register_secret(parts.password)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name, value in query.items():
        if _KEY_LIKE.search(name):
            register_secret(value)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")).rstrip("/"), query


_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = weakref.WeakKeyDictionary()


def endpoint_slots(key: str, limit: int) -> asyncio.Semaphore:
    """One semaphore per endpoint and event loop, shared by all models on that endpoint."""
    per_loop = _SLOTS.setdefault(asyncio.get_running_loop(), {})
    if key not in per_loop:
        per_loop[key] = asyncio.Semaphore(limit)
    return per_loop[key]


class OpenAICompatModel(ChatModel):
    def __init__(self, config: ModelConfig, parsed: ParsedSpec) -> None:
        super().__init__(config)
        assert parsed.provider is not None
        self.provider = parsed.provider
        self.model_id = parsed.model
        self._url, self._query = split_base_url((config.base_url or parsed.base_url or "").rstrip("/"))
        self.base_url = redact((config.base_url or parsed.base_url or "").rstrip("/"))  # what is shown and stored
        self.key_env = config.api_key_env or self.provider.key_env
        self._api_key = self._read_key()
        self.supports_n = self.provider.supports_n if config.supports_n is None else config.supports_n
        self.max_connections = config.max_connections or self.provider.max_connections
        self.policy = RetryPolicy(max_retries=config.max_retries)
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, openai.AsyncOpenAI] = (
            weakref.WeakKeyDictionary()
        )

    def _read_key(self) -> str:
        key = os.environ.get(self.key_env) if self.key_env else None
        must_have = self.provider.key_required or self.config.api_key_env is not None
        if not key and must_have and not planning():
            raise MissingKeyError(
                f"environment variable {self.key_env} is not set; {self.config.spec} needs an API key",
                hint=f"export {self.key_env}=... (keys are read only from the environment)",
            )
        register_secret(key)  # no error text may carry it out, even when an endpoint echoes it back
        if key and (not key.isascii() or any(ch in key for ch in "\r\n\0") or key != key.strip()):
            raise MissingKeyError(
                f"environment variable {self.key_env} holds a key that cannot be sent: it has "
                + (
                    "characters outside ASCII" if not key.isascii() else "spaces, a line break or a NUL around or in it"
                ),
                hint=f"expected the key alone; export {self.key_env}=... without quotes, spaces or line breaks",
            )
        # Self-hosted servers accept any key; the client insists on one.
        return key or "not-needed"

    @property
    def identity(self) -> dict[str, Any]:
        return {"backend": "openai", "base_url": self.base_url, "model": self.model_id}

    def _client(self) -> openai.AsyncOpenAI:
        loop = asyncio.get_running_loop()
        if loop not in self._clients:
            self._clients[loop] = openai.AsyncOpenAI(
                api_key=self._api_key,
                base_url=self._url,
                default_query=self._query or None,
                max_retries=0,
                timeout=self.config.timeout,
            )
        return self._clients[loop]

    async def aclose(self) -> None:
        for client in list(self._clients.values()):
            await client.close()
        self._clients.clear()

    async def generate_prepared(
        self, messages: list[Message], config: GenerateConfig, sample_index: int = 0
    ) -> ChatOutput:
        if config.n == 1 or self.supports_n:
            return await self._request(messages, config)
        # The endpoint ignores n: ask n times, each with its own seed, and merge.
        singles = [
            config.model_copy(update={"n": 1, "seed": None if config.seed is None else config.seed + i})
            for i in range(config.n)
        ]
        outs = await asyncio.gather(*(self._request(messages, c) for c in singles))
        usage = Usage(
            prompt_tokens=sum(o.usage.prompt_tokens for o in outs),
            completion_tokens=sum(o.usage.completion_tokens for o in outs),
        )
        return ChatOutput(
            choices=[o.choices[0] for o in outs],
            usage=usage,
            latency_s=max(o.latency_s for o in outs),
            model=outs[0].model,
            attempts=sum(o.attempts for o in outs),
        )

    def _payload(self, messages: list[Message], config: GenerateConfig) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model_id,
            "messages": [m.model_dump() for m in messages],
        }
        for name in ("temperature", "top_p", "seed", "stop"):
            value = getattr(config, name)
            if value is not None:
                payload[name] = value
        if config.n > 1:
            payload["n"] = config.n
        if config.max_tokens is not None:
            # OpenAI deprecated max_tokens (its reasoning models reject it); the others still want it.
            field = "max_completion_tokens" if self.provider.name == "openai" else "max_tokens"
            payload[field] = config.max_tokens
        if config.logprobs:
            payload["logprobs"] = True
            if config.top_logprobs:
                payload["top_logprobs"] = config.top_logprobs
        if self.config.extra_body:
            payload["extra_body"] = dict(self.config.extra_body)
        return payload

    async def _request(self, messages: list[Message], config: GenerateConfig) -> ChatOutput:
        payload = self._payload(messages, config)
        slot = endpoint_slots(f"{self.base_url}|{self.key_env}", self.max_connections)
        latency = 0.0

        async def once() -> ChatOutput:
            nonlocal latency
            async with slot:
                self.counters.requests += 1
                started = time.perf_counter()
                body = await self._post(payload)
                latency = time.perf_counter() - started
            return parse_body(body)

        try:
            output, attempts = await call_with_retries(
                once, classify_error, self.policy, on_retry=lambda reason, _: self.counters.count_retry(reason)
            )
        except RetriesExhausted as exc:
            self.counters.failures += 1
            if exc.reason == "unreachable":
                raise EndpointError(
                    f"cannot reach {self.base_url} ({_root_cause(exc.last)})",
                    hint="is the server running and the URL right?",
                ) from exc
            last = (
                f": HTTP {exc.last.status_code}: {_brief(exc.last)}"
                if isinstance(exc.last, openai.APIStatusError)
                else ""
            )
            raise CallFailed(f"{self.name}: gave up after {exc.attempts} attempts ({exc.reason}{last})") from exc
        except openai.APIStatusError as exc:
            self.counters.failures += 1
            raise self._status_error(exc) from exc
        except ReplyTooLarge as exc:
            self.counters.failures += 1
            raise CallFailed(f"{self.name}: {exc}") from exc
        return output.model_copy(update={"latency_s": latency, "attempts": attempts})

    async def _post(self, payload: dict[str, Any]) -> bytes:
        """One request under one deadline, its body read here so that its size can be capped."""
        async with asyncio.timeout(self.config.timeout):
            streaming = self._client().chat.completions.with_streaming_response
            async with streaming.create(**payload) as response:
                return await read_capped(response.iter_bytes(), self.config.max_reply_bytes)

    def _status_error(self, exc: openai.APIStatusError) -> Exception:
        status = exc.status_code
        if status in (401, 403):
            sent = (
                f"the API key in {self.key_env}"
                if self.key_env and os.environ.get(self.key_env)
                else f"the request (no API key was sent: {self.key_env or 'no key variable'} is not set)"
            )
            return EndpointError(
                f"{self.base_url} rejected {sent} (HTTP {status})",
                hint="check that the key is set and valid for this provider",
            )
        if status == 404:
            return EndpointError(
                f"{self.base_url} has no model {self.model_id!r} (HTTP 404)",
                hint="check the model name in the spec",
            )
        return CallFailed(f"{self.name}: HTTP {status}: {_brief(exc)}")


async def read_capped(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The whole body, or ReplyTooLarge as soon as it passes `limit` bytes (the rest is never read)."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise ReplyTooLarge(f"the reply is larger than {limit:,} bytes (max_reply_bytes); refused")
    return bytes(body)


def parse_body(body: bytes) -> ChatOutput:
    """A chat completion from its raw JSON body; anything else is a MalformedResponse."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedResponse(f"the body is not JSON ({exc.msg if hasattr(exc, 'msg') else exc})") from None
    if not isinstance(data, dict):
        raise MalformedResponse("the body is not a JSON object")
    return parse_completion(ChatCompletion.construct(**data))


def parse_completion(response: Any) -> ChatOutput:
    choices_in = getattr(response, "choices", None)
    if not choices_in:
        raise MalformedResponse("the response holds no choices")
    choices = []
    for choice in choices_in:
        message = getattr(choice, "message", None)
        if message is None:
            raise MalformedResponse("a choice holds no message")
        content = getattr(message, "content", None)
        if not isinstance(content, str):  # null is no answer at all, not an empty one
            raise MalformedResponse(f"a choice's message content is {type(content).__name__}, not text")
        choices.append(Choice(text=content, finish_reason=choice.finish_reason, logprobs=_logprobs(choice)))
    usage_in = getattr(response, "usage", None)
    usage = Usage(
        prompt_tokens=_token_count(getattr(usage_in, "prompt_tokens", 0)),
        completion_tokens=_token_count(getattr(usage_in, "completion_tokens", 0)),
    )
    return ChatOutput(choices=choices, usage=usage, model=getattr(response, "model", "") or "")


def _token_count(value: Any) -> int:
    """A usage count as reported, or 0 (unknown) for one no model could report: negative, huge, not a number."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKEN_COUNT:
        log.warning("the endpoint reported an impossible token count (%r); counted as unknown", value)
        return 0
    return value


def _logprobs(choice: Any) -> list[TokenLogprob] | None:
    content = getattr(getattr(choice, "logprobs", None), "content", None)
    if not content:
        return None
    return [
        TokenLogprob(
            token=item.token,
            logprob=item.logprob,
            top=[(t.token, t.logprob) for t in (item.top_logprobs or [])] or None,
        )
        for item in content
    ]


def classify_error(exc: Exception) -> Verdict:
    """Which failures are worth another attempt, and how soon."""
    if isinstance(exc, openai.APIStatusError):
        headers = dict(exc.response.headers) if exc.response is not None else None
        if exc.status_code == 429:
            return Verdict(True, "rate_limit", parse_retry_after(headers))
        if exc.status_code >= 500 or exc.status_code in (408, 409, 425):
            return Verdict(True, "server_error", parse_retry_after(headers))
        return Verdict(False, f"http_{exc.status_code}")
    if isinstance(exc, openai.APITimeoutError | TimeoutError):  # the client's per-read one, or our deadline
        return Verdict(True, "timeout")
    if isinstance(exc, openai.APIConnectionError):
        if _never_connected(exc):
            return Verdict(True, "unreachable", limit=RetryPolicy.unreachable_retries)
        return Verdict(True, "dropped_connection")
    if isinstance(exc, MalformedResponse | json.JSONDecodeError | openai.APIResponseValidationError):
        return Verdict(True, "malformed_response")
    if isinstance(exc, pydantic.ValidationError):
        return Verdict(True, "malformed_response")
    return Verdict(False, type(exc).__name__)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _never_connected(exc: BaseException) -> bool:
    """Refused, unresolvable or unroutable: the request never reached a server.

    Matched by type name because the client's transport (httpx or its fork httpx2) varies by version.
    """
    return any(
        isinstance(e, ConnectionRefusedError | socket.gaierror) or type(e).__name__ == "ConnectError"
        for e in _chain(exc)
    )


def _root_cause(exc: BaseException) -> str:
    chain = _chain(exc)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    if any(isinstance(e, socket.gaierror) for e in chain):
        return "host name not found"
    return str(chain[-1]) or type(chain[-1]).__name__


def _brief(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        detail = body.get("error", body)
        if isinstance(detail, dict):
            detail = detail.get("message", detail)
        return redact_brief(str(detail), 200)
    return redact_brief(str(exc.message), 200)
