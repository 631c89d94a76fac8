"""A run: one job's calls, under one id in the store, with its models and what they cost.

    async with Run(RunStore(path), "chat") as run:
        model = run.model("openai:gpt-4o-mini")
        output = await model.generate("Who are you?")
    run.usage()  # per-model calls, cached answers, tokens, cost

The run's status in the store tells finished runs from failed and interrupted ones, so a resumed
job can be told apart from a fresh one.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

from distillscope.models.base import ChatModel
from distillscope.models.catalog import ModelCatalog
from distillscope.models.config import ModelConfig
from distillscope.models.recorded import RecordedModel
from distillscope.models.spec import get_model
from distillscope.models.usage import ModelUsage
from distillscope.store import DEFAULT_STORE, STORE_ENV, RunStore, default_store_path

__all__ = ["DEFAULT_STORE", "STORE_ENV", "Run", "default_store_path"]


class Run:
    def __init__(
        self,
        store: RunStore,
        command: str,
        config: dict[str, Any] | None = None,
        catalog: ModelCatalog | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog or ModelCatalog()
        self.id = store.start_run(command, config)
        self._models: dict[str, RecordedModel] = {}
        self.status = "running"

    def model(self, ref: str | ModelConfig) -> RecordedModel:
        """The recorded model for a spec or a catalog name; asking twice returns the same one."""
        label = ref if isinstance(ref, str) else ref.display_name
        if label not in self._models:
            self._models[label] = RecordedModel(get_model(self.catalog.resolve(ref)), self.store, self.id)
        return self._models[label]

    def wrap(self, backend: ChatModel) -> RecordedModel:
        """Record calls to a backend built elsewhere (a model already loaded, say)."""
        recorded = RecordedModel(backend, self.store, self.id)
        self._models[backend.name] = recorded
        return recorded

    def usage(self) -> list[ModelUsage]:
        return [m.usage for m in self._models.values()]

    async def aclose(self, status: str = "finished") -> None:
        for model in self._models.values():
            await model.backend.aclose()
        self.status = status
        self.store.finish_run(self.id, status, {"usage": [u.model_dump(mode="json") for u in self.usage()]})

    async def __aenter__(self) -> Run:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            status = "finished"
        elif issubclass(kind, KeyboardInterrupt | asyncio.CancelledError):
            status = "interrupted"
        else:
            status = "failed"
        await self.aclose(status)
