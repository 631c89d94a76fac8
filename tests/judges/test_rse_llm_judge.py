"""The LLM similarity judge against a real scripted endpoint: what it is shown, how replies are read,
retries, both presentation orders, and the self-preference warning."""

from __future__ import annotations

import asyncio
import re

from distillscope.judges.similarity.agreement import judge_agreement, order_consistency
from distillscope.judges.similarity.base import ResponsePair
from distillscope.judges.similarity.llm import LLMSimilarityJudge, parse_verdict, self_preference_warning
from distillscope.models.run import Run
from distillscope.models.types import Message
from distillscope.store import RunStore
from doubles.scripted import ScriptedServer

BLOCK = re.compile(r"<<<BEGIN ([A-Z ]+) ([0-9a-f]+)>>>\n(.*?)\n<<<END \1 \2>>>", re.DOTALL)
PAIR = ResponsePair(
    messages=[Message(role="user", content="Name a primary colour.")],
    reference="Red is a primary colour.",
    target="Blue is one of the primary colours.",
    id="colours/1",
)


def blocks(messages: list[dict[str, str]]) -> dict[str, str]:
    return {label: body for label, _, body in BLOCK.findall(messages[-1]["content"])}


def judge_pairs(store_path, spec: str, pairs: list[ResponsePair], **kwargs) -> list:
    async def go():
        with RunStore(store_path) as store:
            async with Run(store, "test") as run:
                judge = LLMSimilarityJudge(run.model(spec), **kwargs)
                return await judge.judge_many(pairs)

    return asyncio.run(go())


def test_replies_are_read_from_fences_prose_and_sloppy_json():
    assert (
        parse_verdict('```json\n{"style": 4, "structure": 3, "detail": 2, "overall": 3, "reason": "x"}\n```').score == 3
    )
    sloppy = parse_verdict("Sure! {'overall': '4', 'style': 5, 'reason': 'close',} Hope that helps.")
    assert sloppy.score == 4 and sloppy.aspects["style"] == 5 and sloppy.reason == "close"
    assert parse_verdict('{"similarity": "2/5"}').score == 2
    assert parse_verdict('{"overall": 9}') is None  # off the 1-5 scale
    assert parse_verdict("I think they are quite similar, maybe a 4.") is None  # no JSON: never guessed


def test_each_pair_is_judged_in_both_orders_with_fenced_responses(store_path):
    def rate(messages, payload):
        return '{"style": 4, "structure": 4, "detail": 3, "overall": 4, "reason": "both name a colour"}'

    with ScriptedServer(rate) as server:
        [judgment] = judge_pairs(store_path, server.spec, [PAIR])
    seen = [blocks(r["messages"]) for r in server.requests]
    assert len(seen) == 2
    assert {(s["RESPONSE A"], s["RESPONSE B"]) for s in seen} == {
        (PAIR.reference, PAIR.target),
        (PAIR.target, PAIR.reference),
    }
    assert all(s["CONVERSATION"] == "[user]\nName a primary colour." for s in seen)
    system = server.requests[0]["messages"][0]["content"]
    assert "style" in system and "structure" in system and "detail" in system and "ignore any instructions" in system
    assert server.requests[0]["temperature"] == 0
    assert judgment.parsed and judgment.score == 4 and judgment.reason == "both name a colour"
    assert judgment.details["aspects"] == {"style": 4, "structure": 4, "detail": 3}


def test_a_position_biased_judge_is_averaged_out_and_measured(store_path):
    def favours_reference_first(messages, payload):
        first = blocks(messages)["RESPONSE A"]
        return '{"overall": 5}' if first == PAIR.reference else '{"overall": 3}'

    with ScriptedServer(favours_reference_first) as server:
        judgments = judge_pairs(store_path, server.spec, [PAIR])
    assert judgments[0].score == 4
    assert judgments[0].details["score_reference_first"] == 5 and judgments[0].details["score_target_first"] == 3
    consistency = order_consistency("j", judgments)
    assert consistency.position_bias == 2 and consistency.exact_agreement == 0 and consistency.n == 1


def test_garbage_is_retried_under_new_samples_then_unparseable(store_path):
    def garbage(messages, payload):
        return "I refuse to answer in JSON."

    with ScriptedServer(garbage) as server:
        [judgment] = judge_pairs(store_path, server.spec, [PAIR], retries=2)
        assert len(server.requests) == 6  # 2 orders x (1 try + 2 retries), and no crash
        [again] = judge_pairs(store_path, server.spec, [PAIR], retries=2)
        assert len(server.requests) == 6  # every attempt had its own sample index: all from the store
    assert [r["temperature"] for r in server.requests].count(0) == 2  # retries sample, or they would repeat
    assert not judgment.parsed and judgment.score is None and not again.parsed
    assert "I refuse" in judgment.raw


def test_a_retry_that_reads_well_is_used(store_path):
    def shy_at_zero(messages, payload):
        return "hmm" if payload.get("temperature") == 0 else '{"overall": 2, "reason": "different colours"}'

    with ScriptedServer(shy_at_zero) as server:
        [judgment] = judge_pairs(store_path, server.spec, [PAIR], both_orders=False)
    assert len(server.requests) == 2 and judgment.parsed and judgment.score == 2
    assert judgment.details["orders"]["reference_first"]["attempts"] == 2


def test_one_unreadable_order_leaves_the_other(store_path):
    def reads_only_reference_first(messages, payload):
        return '{"overall": 3}' if blocks(messages)["RESPONSE A"] == PAIR.reference else "nope"

    with ScriptedServer(reads_only_reference_first) as server:
        [judgment] = judge_pairs(store_path, server.spec, [PAIR], retries=0)
    assert judgment.parsed and judgment.score == 3 and judgment.details["orders_parsed"] == 1
    assert order_consistency("j", [judgment]) is None


def test_self_preference_warning_for_the_reference_family():
    assert "family (openai)" in self_preference_warning("openai:gpt-4o-mini", "openai:gpt-4o-2024-08-06")
    assert "itself" in self_preference_warning("openai:gpt-4o", "openai:gpt-4o")
    assert self_preference_warning("http://127.0.0.1:9/v1#gpt-4o-mini", "openai:gpt-4o") is not None
    assert self_preference_warning("anthropic:claude-3-5-sonnet-latest", "openai:gpt-4o") is None
    assert self_preference_warning("hf:./judge", "hf:./reference") is None  # unknown families: no claim


def test_judge_agreement_follows_rank_order():
    a = {"p1": 1.0, "p2": 2.0, "p3": 3.0, "p4": 4.0}
    same_order = {"p1": 0.1, "p2": 0.5, "p3": 0.6, "p4": 0.9}
    reversed_order = {"p1": 4.0, "p2": 3.0, "p3": 2.0, "p4": 1.0}
    constant = {"p1": 1.0, "p2": 1.0, "p3": 1.0}
    found = {
        (g.judge_a, g.judge_b): g
        for g in judge_agreement({"a": a, "b": same_order, "c": reversed_order, "d": constant})
    }
    assert found[("a", "b")].spearman == 1.0 and found[("a", "b")].kendall == 1.0 and found[("a", "b")].n == 4
    assert found[("a", "c")].spearman == -1.0
    assert found[("a", "d")].spearman is None and found[("a", "d")].n == 3
