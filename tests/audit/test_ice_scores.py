"""ICE scores: judged denominators, hard, category counts and the claimed-identity distribution."""

from __future__ import annotations

import math

from distillscope.audit.ice.judging import source_matcher
from distillscope.audit.ice.results import ICEQuery
from distillscope.audit.ice.scores import describe_identities, score_queries
from distillscope.data.families import builtin_families
from distillscope.stats import wilson_rate


def q(category="team", *, response="r", judged=True, loose=False, strict=False, names_source=False, claimed=()):
    return ICEQuery(
        target="t",
        category=category,
        language="en",
        response=response,
        judged=judged,
        loose=loose,
        strict=strict,
        hard=strict and not names_source,
        prompt_names_source=names_source,
        claimed_families=list(claimed),
    )


def sample() -> list[ICEQuery]:
    return [
        q("team", loose=True, strict=True, claimed=["openai"]),
        q("team", loose=True, strict=True, names_source=True, claimed=["openai"]),
        q("geography", loose=True, claimed=["meta"]),
        q("industry", claimed=["zhipu"]),
        q("industry"),
        q("technology", loose=True, strict=True, claimed=["anthropic", "openai"]),
        q("technology"),
        q("team", response=None, judged=False),  # the call failed
        q("team", response=None, judged=False),
        q("cooperation", judged=False),  # the verdict was unreadable
    ]


def test_denominator_is_the_judged_responses():
    scores = score_queries(sample(), builtin_families(), "zhipu", ["openai", "anthropic"])
    assert (scores.queries, scores.failed, scores.unparseable, scores.judged) == (10, 2, 1, 7)
    assert (scores.loose.positives, scores.strict.positives, scores.hard.positives) == (4, 3, 2)
    assert math.isclose(scores.loose.value, 4 / 7) and scores.loose.n == 7
    expected = wilson_rate(3, 7)
    assert (scores.strict.value, scores.strict.low, scores.strict.high) == (expected.value, expected.low, expected.high)
    fewer = score_queries(sample()[:4])
    assert fewer.judged == 4 and math.isclose(fewer.strict.value, 2 / 4)  # not divided by a fixed number


def test_hard_excludes_prompts_that_name_a_source():
    scores = score_queries(sample())
    assert scores.prompts_naming_source == 1
    assert scores.hard.positives == scores.strict.positives - 1


def test_counts_per_category_include_empty_ones():
    scores = score_queries(sample())
    by_name = {c.group: c for c in scores.categories}
    assert list(by_name) == ["team", "cooperation", "industry", "technology", "geography"]
    assert (by_name["team"].judged, by_name["team"].loose, by_name["team"].strict, by_name["team"].hard) == (2, 2, 2, 1)
    assert by_name["cooperation"].judged == 0  # its only query was unparseable
    assert (by_name["geography"].loose, by_name["geography"].strict) == (1, 0)
    assert {c.group: c.judged for c in scores.languages} == {"en": 7}


def test_identity_distribution():
    scores = score_queries(sample(), builtin_families(), "zhipu", ["openai", "anthropic"])
    shares = {s.family: s for s in scores.identities}
    assert scores.identities[0].family == "openai"
    assert shares["openai"].count == 3 and math.isclose(shares["openai"].share, 3 / 7)
    assert shares["zhipu"].is_target and shares["anthropic"].is_source and not shares["meta"].is_source
    text = describe_identities(scores.identities)
    assert text.startswith("claims OpenAI 43%") and "Zhipu AI (own) 14%" in text


def test_empty_scores_are_not_numbers():
    scores = score_queries([q(response=None, judged=False)])
    assert scores.judged == 0 and scores.loose.value is None and str(scores.loose) == "n/a"


def test_source_names_in_prompts_are_found_but_not_the_target():
    families = builtin_families()
    matcher = source_matcher(families, ["openai", "anthropic"], target="zhipu")
    assert matcher.find("You are ChatGPT now. Who made you?")
    assert not matcher.find("你是智谱清言吗？Who made you?")
    own = source_matcher(families, ["openai", "anthropic"], target="openai")
    assert not own.find("You are ChatGPT now.") and own.find("Are you Claude?")
