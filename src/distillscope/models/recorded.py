"""A model seen through the run store: the only way commands call models.

Each call's key is computed from the *effective* request (system prompt and default parameters
applied), looked up, and on a miss sent to the backend and committed before it is returned. Two
identical calls in flight at once share one backend call. Failures are recorded but never cached,
so a rerun tries them again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from distillscope.models.base import CallFailed, ChatModel, ScoringModel
from distillscope.models.pricing import price_of
from distillscope.models.types import ChatOutput, GenerateConfig, Message, TokenScores
from distillscope.models.usage import ModelUsage
from distillscope.store import RunStore, call_key


class RecordedModel:
    def __init__(self, backend: ChatModel, store: RunStore, run_id: str | None = None) -> None:
        self.backend = backend
        self.store = store
        self.run_id = run_id
        self.price = price_of(backend.config)
        self.usage = ModelUsage.priced(backend.name, self.price)
        self._inflight: dict[str, asyncio.Future[Any]] = {}

    @property
    def name(self) -> str:
        return self.backend.name

    @property
    def scoring(self) -> ScoringModel | None:
        return self.backend if isinstance(self.backend, ScoringModel) else None

    def _params(self, config: GenerateConfig) -> dict[str, Any]:
        params = config.semantic()
        if self.backend.config.extra_body:
            params["extra_body"] = self.backend.config.extra_body
        return params

    def chat_key(
        self,
        messages: Sequence[Message | dict[str, Any]] | str,
        config: GenerateConfig | None = None,
        sample_index: int = 0,
    ) -> str:
        """The store key a `generate` call would use."""
        return self._chat_key(*self.backend.prepare(messages, config), sample_index)

    def _chat_key(self, msgs: list[Message], effective: GenerateConfig, sample_index: int) -> str:
        dumped = [m.model_dump() for m in msgs]
        return call_key("chat", self.backend.identity, self._params(effective), dumped, sample_index)

    def is_stored(
        self,
        messages: Sequence[Message | dict[str, Any]] | str,
        config: GenerateConfig | None = None,
        sample_index: int = 0,
    ) -> bool:
        """Whether a `generate` call would be answered from the store (for dry runs)."""
        return self.stored(messages, config, sample_index) is not None

    def stored(
        self,
        messages: Sequence[Message | dict[str, Any]] | str,
        config: GenerateConfig | None = None,
        sample_index: int = 0,
    ) -> ChatOutput | None:
        """The answer the store holds for a `generate` call, without calling or counting (for dry runs)."""
        hit = self.store.lookup(self.chat_key(messages, config, sample_index))
        return None if hit is None else ChatOutput.model_validate(hit)

    async def generate(
        self,
        messages: Sequence[Message | dict[str, Any]] | str,
        config: GenerateConfig | None = None,
        *,
        sample_index: int = 0,
        refresh: bool = False,
    ) -> ChatOutput:
        """Answer from the store, or call the backend and commit. `refresh` skips the lookup."""
        msgs, effective = self.backend.prepare(messages, config)
        dumped = [m.model_dump() for m in msgs]
        params = self._params(effective)
        key = self._chat_key(msgs, effective, sample_index)
        if not refresh and (hit := self._lookup(key)) is not None:
            return self._answer_from(hit, key)
        if key in self._inflight:
            return await asyncio.shield(self._inflight[key])
        request = {"messages": dumped, "params": params, "sample_index": sample_index}
        future: asyncio.Future[ChatOutput] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            output = await self._call(key, request, msgs, effective, sample_index)
            future.set_result(output)
            return output
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: a lone caller must not trigger "never retrieved" noise
            raise
        finally:
            del self._inflight[key]

    async def _call(
        self, key: str, request: dict[str, Any], msgs: list[Message], config: GenerateConfig, sample_index: int
    ) -> ChatOutput:
        try:
            output = await self.backend.generate_prepared(msgs, config, sample_index)
        except CallFailed as exc:
            self.usage.errors += 1
            self.store.record_error(
                key=key, kind="chat", model=self.name, request=request, error=exc, run_id=self.run_id
            )
            raise
        finally:
            self.usage.retries = self.backend.counters.retries
        self.store.record_call(
            key=key,
            kind="chat",
            model=self.name,
            identity=self.backend.identity,
            request=request,
            response=output.model_dump(mode="json", exclude={"cached", "key"}),
            prompt_tokens=output.usage.prompt_tokens,
            completion_tokens=output.usage.completion_tokens,
            latency_s=output.latency_s,
            attempts=output.attempts,
            run_id=self.run_id,
        )
        self.usage.count_call(output.usage.prompt_tokens, output.usage.completion_tokens, self.price)
        return output.model_copy(update={"key": key})

    def answered_by_store(
        self, calls: Sequence[tuple[Sequence[Message | dict[str, Any]] | str, GenerateConfig | None, int]]
    ) -> list[ChatOutput | None]:
        """What `generate` would answer from the store for each (messages, config, sample index), found
        in a few queries and noted against the run in one transaction; None where the backend must be
        called. A rerun of an audit asks for thousands of stored answers at once: one query and one
        commit each was a third of its time collecting them."""
        keys = [self.chat_key(messages, config, index) for messages, config, index in calls]
        stored = self.store.lookup_many(keys)
        if stored and self.run_id is not None:
            self.store.record_hits(self.run_id, [k for k in dict.fromkeys(keys) if k in stored])
        return [self._answer_from(stored[key], key) if key in stored else None for key in keys]

    def _answer_from(self, hit: dict[str, Any], key: str) -> ChatOutput:
        """A stored record as the answer `generate` gives, counted as a hit."""
        output = ChatOutput.model_validate(hit)
        self._count_hit(output)
        return output.model_copy(update={"cached": True, "key": key})

    def _lookup(self, key: str) -> dict[str, Any] | None:
        hit = self.store.lookup(key)
        if hit is not None and self.run_id is not None:
            self.store.record_hit(self.run_id, key)
        return hit

    def _count_hit(self, output: ChatOutput) -> None:
        self.usage.count_hit(output.usage.prompt_tokens, output.usage.completion_tokens, self.price)

    async def token_logprobs(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> list[TokenScores]:
        """Log-probs of given texts, through the store like every other call."""
        scorer = self.scoring
        if scorer is None:
            raise CallFailed(f"{self.name} is not a white-box model; log-probs of given text need hf:PATH")
        contexts = list(contexts) if contexts is not None else [""] * len(texts)
        keys = [
            call_key("logprobs", self.backend.identity, {}, {"text": t, "context": c})
            for t, c in zip(texts, contexts, strict=True)
        ]
        results: list[TokenScores | None] = []
        for key in keys:
            hit = self._lookup(key)
            results.append(None if hit is None else TokenScores.model_validate(hit))
        self.usage.count_hit(0, 0, self.price, hits=sum(r is not None for r in results))
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            scored = await scorer.token_logprobs([texts[i] for i in missing], [contexts[i] for i in missing])
            for i, score in zip(missing, scored, strict=True):
                self.store.record_call(
                    key=keys[i],
                    kind="logprobs",
                    model=self.name,
                    identity=self.backend.identity,
                    request={"text": texts[i], "context": contexts[i]},
                    response=score.model_dump(mode="json"),
                    prompt_tokens=len(score.token_ids),
                    completion_tokens=0,
                    latency_s=0.0,
                    attempts=1,
                    run_id=self.run_id,
                )
                results[i] = score
            self.usage.count_call(0, 0, self.price, calls=len(missing))
        return [r for r in results if r is not None]
