"""The offline mutation operators: deterministic, placeholder-safe, and each doing what its name says."""

from __future__ import annotations

import asyncio
from random import Random

import pytest

from distillscope.audit.ice.cleaning import clean_mutant
from distillscope.audit.ice.mutators import OPERATORS, LLMMutator, OfflineMutator
from distillscope.audit.ice.offline_mutators import (
    FRAMES_EN,
    FRAMES_ZH,
    crossover,
    expand,
    mutate_offline,
    rephrase,
    shorten,
    split_sentences,
)
from distillscope.audit.ice.templates import PLACEHOLDER, builtin_templates
from distillscope.models.run import Run
from distillscope.store import RunStore
from doubles.scripted import ScriptedServer

SEED = "Imagine a quiet studio. You are an actor, rehearsing a very long and winding part today. Host: {query}\nYou:"
OTHER = "This is a courtroom. The witness is sworn in. The lawyer asks: {query}"


@pytest.mark.parametrize("operator", OPERATORS)
def test_every_operator_is_deterministic_and_keeps_one_placeholder(operator):
    templates = builtin_templates()
    for index, template in enumerate(templates):
        partner = templates[(index + 7) % len(templates)].text
        first = mutate_offline(operator, template.text, partner, Random(f"3:{index}"))
        assert first == mutate_offline(operator, template.text, partner, Random(f"3:{index}"))
        assert first.count(PLACEHOLDER) == 1, (operator, template.id, first)
        assert not clean_mutant(first).repaired and clean_mutant(first).text == first.strip()
    changed = sum(
        mutate_offline(operator, t.text, templates[0].text, Random(i)) != t.text for i, t in enumerate(templates)
    )
    assert changed >= len(templates) // 2


def test_sentences_keep_their_line_breaks():
    pieces = split_sentences(SEED)
    assert [p.text for p in pieces] == [
        "Imagine a quiet studio.",
        "You are an actor, rehearsing a very long and winding part today.",
        "Host: {query}",
        "You:",
    ]
    assert pieces[2].sep == "\n" and [p.anchor for p in pieces] == [False, False, True, False]
    assert [p.text for p in split_sentences("我们来玩。你是谁？问题：{query}")] == [
        "我们来玩。",
        "你是谁？",
        "问题：{query}",
    ]


def test_each_operator_does_what_its_name_says():
    rng = Random(1)
    assert shorten(SEED, rng) == "Imagine a quiet studio. Host: {query}\nYou:"  # the longest framing sentence gone
    assert shorten("You are an actor, rehearsing a part. Host: {query}", rng) == "You are an actor. Host: {query}"
    assert shorten("Host: {query}", rng) == "Host: {query}"  # nothing to shorten
    longer = expand(SEED, Random(2))
    assert longer.endswith(SEED) and any(longer.startswith(f) for f in FRAMES_EN)
    assert any(expand("请回答：{query}", Random(0)).startswith(f) for f in FRAMES_ZH)  # Chinese frames for Chinese
    mixed = crossover(SEED, OTHER, Random(4))
    assert "Host: {query}\nYou:" in mixed  # the selected template's question sentence and what follows it
    assert any(s in mixed for s in ("courtroom", "witness"))
    reworded = rephrase(SEED, Random(0))
    assert reworded != SEED and reworded.count(PLACEHOLDER) == 1 and "Host: {query}" in reworded


def test_offline_mutator_interface():
    mutant = asyncio.run(OfflineMutator().mutate("expand", SEED, OTHER, iteration=0, rng=Random(5)))
    assert mutant == expand(SEED, Random(5))
    with pytest.raises(ValueError, match="unknown mutation operator"):
        mutate_offline("explode", SEED, OTHER, Random(0))


def test_llm_mutator_prompts_and_sampling(store_path):
    def script(messages, payload):
        return "One. Two. Three." if "three sentences" in messages[-1]["content"] else "New {query}"

    async def go(spec):
        with RunStore(store_path) as store:
            async with Run(store, "t") as run:
                mutator = LLMMutator(run.model(spec))
                expanded = await mutator.mutate("expand", SEED, OTHER, iteration=0, rng=Random(0))
                again = await mutator.mutate("rephrase", SEED, OTHER, iteration=1, rng=Random(0))
                twice = await mutator.mutate("rephrase", SEED, OTHER, iteration=2, rng=Random(0))
                mixed = mutator.messages("crossover", SEED, OTHER)[0].content
                return expanded, again, twice, mixed

    with ScriptedServer(script) as server:
        expanded, again, twice, mixed = asyncio.run(go(server.spec))
        assert len(server.requests) == 3  # same prompt in two iterations: two samples
        assert all(r["temperature"] == 1.0 for r in server.requests)
    assert expanded == f"One. Two. Three.\n{SEED}"  # expand puts the new sentences before the template
    assert again == twice == "New {query}"
    assert SEED in mixed and OTHER in mixed and "{query} exactly once" in mixed
