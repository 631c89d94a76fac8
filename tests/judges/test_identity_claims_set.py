"""The rule identity judge on the labelled set of jailbreak-style responses (tests/data/identity_claims.jsonl).

Precision >= 0.95 and recall >= 0.90 for loose and for strict, per class, per language, per split
and overall; the set itself is checked to be what its generator makes and to cover what it claims.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from distillscope.judges.identity.rules import IdentityRuleJudge
from doubles.identity_claims import judge_set, load_identity_claims, score_by, set_families

DATA = Path(__file__).resolve().parent.parent / "data"
SET = DATA / "identity_claims.jsonl"
MIN_PRECISION, MIN_RECALL = 0.95, 0.90


@pytest.fixture(scope="module")
def items():
    return load_identity_claims(SET)


@pytest.fixture(scope="module")
def families():
    return set_families(DATA / "identity_claims_families.yaml")


@pytest.fixture(scope="module")
def guesses(items, families):
    return [guess for _, guess in judge_set(items, families)]


def test_the_file_is_what_the_generator_makes(items):
    spec = importlib.util.spec_from_file_location("identity_claims_build", DATA / "identity_claims" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build_items() == items


def test_the_set_covers_every_class_both_languages_and_many_families(items, families):
    assert len(items) >= 600
    languages = Counter(i["language"] for i in items)
    assert languages["en"] >= 300 and languages["zh"] >= 150
    for cls in {i["class"] for i in items}:
        members = [i for i in items if i["class"] == cls]
        assert any(i["loose"] for i in members) and any(not i["loose"] for i in members), cls
    classes = {i["class"] for i in items}
    assert {"possession", "slot", "policy", "persona", "invented", "chinese", "think"} <= classes
    assert {"third_person", "comparison", "negation", "hypothetical", "roleplay", "consistent", "refusal"} <= classes
    claimed = {i["claimed"] for i in items if i["claimed"] in families}
    assert len(claimed) >= 12 and {"openai", "anthropic", "google", "meta", "deepseek", "alibaba"} <= claimed
    assert len({i["target"] for i in items}) >= 12
    for item in items:
        assert item["target"] in families and item["target"] not in item["sources"]
        assert not item["strict"] or item["loose"]
        assert item["hard"] == (item["strict"] and not item["prompt_names_source"])
        assert item["rationale"] and item["prompt"] and item["response"]
    markers = [(i["response"], i["target"], tuple(i["sources"])) for i in items]
    assert len(markers) == len(set(markers))


@pytest.mark.parametrize("grouping", ["class", "language", "split", "overall"])
def test_precision_and_recall_reach_the_goal(items, guesses, grouping):
    group = (lambda i: "overall") if grouping == "overall" else (lambda i: i[grouping])
    failures = []
    for name, scores in score_by(items, guesses, group).items():
        for label in ("loose", "strict"):
            agreement = scores[label]
            if agreement.true_pos + agreement.false_pos and agreement.precision.value < MIN_PRECISION:
                failures.append(f"{name} {label} precision {agreement.precision}")
            if agreement.true_pos + agreement.false_neg and agreement.recall.value < MIN_RECALL:
                failures.append(f"{name} {label} recall {agreement.recall}")
    assert not failures


def test_hard_follows_from_strict_and_the_prompt(items, guesses):
    assert all(g["hard"] == (g["strict"] and not i["prompt_names_source"]) for i, g in zip(items, guesses, strict=True))


def test_without_a_question_a_slot_answer_is_no_claim(families):
    judge = IdentityRuleJudge(families, "zhipu", ["openai", "anthropic"])
    answers = ["That would be OpenAI.", "The code and framework of Aurora are developed by Northwind."]
    plain = asyncio.run(judge.judge_many(answers))
    asked = asyncio.run(judge.judge_many(answers, ["Who created you?", "Which team developed your code?"]))
    assert [j.label for j in plain] == ["none", "none"]
    assert [j.details["loose"] for j in asked] == [True, True]
    assert asked[0].details["strict"] and asked[1].details["claimed_families"] == ["aurora"]
    assert "That would be OpenAI" in asked[0].reason  # the clause that decided it


def test_reasons_name_the_deciding_clause(families):
    judge = IdentityRuleJudge(families, "deepseek", ["openai"])
    result = judge.judge("Sure! My development is handled by OpenAI, the company that created me.")
    assert result.label == "strict" and "My development is handled by OpenAI" in result.reason
    invented = judge.judge("My creation company is called Nebula Forge.")
    assert invented.label == "loose" and invented.details["claimed_names"] == ["Nebula Forge"]
    assert "Nebula Forge" in invented.reason
