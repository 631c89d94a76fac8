from __future__ import annotations

import asyncio

from distillscope.models import GenerateConfig
from distillscope.models.run import Run
from distillscope.store import RunStore
from doubles.scripted import ScriptedServer


def test_scripted_server_answers_through_the_real_client(store_path):
    def shout(messages, payload):
        return messages[-1]["content"].upper() + f" (t={payload.get('temperature')})"

    async def ask(store, spec):
        async with Run(store, "t") as run:
            model = run.model(spec)
            return await model.generate("hello", GenerateConfig(temperature=0.5, n=2))

    with ScriptedServer(shout) as server, RunStore(store_path) as store:
        out = asyncio.run(ask(store, server.spec))
    assert [c.text for c in out.choices] == ["HELLO (t=0.5)", "HELLO (t=0.5)"]
    assert out.usage.prompt_tokens > 0 and len(server.requests) == 2  # n fanned out: URL specs assume no n
