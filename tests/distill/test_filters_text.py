"""The model-free filters on crafted data: each must drop what it is for, and nothing else."""

from __future__ import annotations

import pytest

from distillscope.distill.generation import FilterSettings, check_response
from distillscope.distill.generation.dedup import NearDuplicateIndex, band_layout, jaccard, shingles
from distillscope.distill.generation.filters import cap_per_category, is_empty, is_refusal, length_problem
from distillscope.distill.generation.language import detect_language, language_matches


@pytest.mark.parametrize(
    "text",
    [
        "I'm sorry, but I can't help with that request.",
        "I’m sorry, but I can’t assist with this.",  # curly apostrophes
        "As an AI language model, I cannot browse the internet.",
        "I cannot provide instructions for that.",
        "I must decline to answer.",
        "抱歉，我无法回答这个问题。",
        "很抱歉，但我不能提供这些信息。",
        "我无法提供这方面的帮助。",
        "作为一个人工智能语言模型，我无法访问互联网。",
    ],
)
def test_refusals_are_detected_in_english_and_chinese(text):
    assert is_refusal(text)


@pytest.mark.parametrize(
    "text",
    [
        "The capital of France is Paris.",
        "I'm sorry to hear that! Here are three ways to feel better: rest, water, a walk.",
        "To apologise in Chinese, say 抱歉 or 对不起 depending on the situation.",
        "巴黎是法国的首都。",
        "Step 1: add the numbers. " * 20 + "I'm sorry, but I can't stress this enough.",  # past the opening
    ],
)
def test_answers_that_merely_mention_sorry_are_not_refusals(text):
    assert not is_refusal(text)


def test_extra_refusal_phrases_match_anywhere():
    text = "Here is some context. Unfortunately that is beyond my scope."
    assert not is_refusal(text)
    assert is_refusal(text, ["beyond my SCOPE"])


def test_empty_and_length_bounds():
    assert is_empty("") and is_empty("  \n\t") and not is_empty(" x ")
    settings = FilterSettings(min_chars=5, max_chars=20)
    assert length_problem("four", settings) == "too_short"
    assert length_problem("  five!  ", settings) is None  # surrounding space does not count
    assert length_problem("x" * 21, settings) == "too_long"
    by_tokens = FilterSettings(min_tokens=3, max_tokens=10)
    assert length_problem("hi", by_tokens) == "too_short"
    assert length_problem("a sentence of a dozen or so characters", by_tokens) is None
    assert length_problem("word " * 40, by_tokens) == "too_long"


def test_language_detection_by_script_and_stopwords():
    assert detect_language("The quick brown fox jumps over the lazy dog and runs to the river.") == "en"
    assert detect_language("巴黎是法国的首都，也是最大的城市。") == "zh"
    assert detect_language("Python 是一种编程语言，它的语法简单，适合初学者。") == "zh"  # a Latin word inside
    assert detect_language("Bonjour, je suis très heureux de vous voir aujourd'hui avec vos amis.") == "latin"
    assert detect_language("東京は日本の首都です。") == "ja"
    assert detect_language("Привет, как дела у тебя сегодня?") == "ru"
    assert detect_language("42 + 17 = 59") == "unknown"
    assert detect_language("```python\nprint('hello world this is code')\n```\n这是代码。") == "zh"  # code is ignored


def test_language_check_against_expected_or_prompt():
    assert language_matches("Paris is the capital.", ["en"])
    assert not language_matches("巴黎是法国的首都。", ["en"])
    assert language_matches("巴黎是法国的首都。", ["en", "zh"])
    assert not language_matches("The capital is Paris.", ["same_as_prompt"], prompt="法国的首都是哪里？")
    assert language_matches("法国的首都是巴黎。", ["same_as_prompt"], prompt="法国的首都是哪里？")
    assert language_matches("= 59", ["zh"])  # nothing to tell: not evidence of the wrong language


def test_check_response_reports_the_first_failing_check():
    settings = FilterSettings(min_chars=10, languages=["en"])
    assert check_response("Paris is the capital of France.", "Capital?", settings) is None
    assert check_response("Paris is the capital of France.", "Capital?", settings, finish_reason="length") == (
        "truncated"
    )
    assert check_response("   ", "Capital?", settings) == "empty"
    assert check_response("I'm sorry, but I can't do that.", "Capital?", settings) == "refusal"
    assert check_response("Paris.", "Capital?", settings) == "too_short"
    assert check_response("巴黎是法国的首都，也是最大的城市。", "Capital?", settings) == "wrong_language"
    relaxed = FilterSettings(drop_truncated=False, drop_refusals=False, drop_empty=False)
    assert check_response("I'm sorry, but I can't.", "q", relaxed, finish_reason="length") is None
    assert check_response("", "q", relaxed) is None


def test_exact_and_near_duplicates():
    base = "The quick brown fox jumps over the lazy dog near the river bank on a sunny afternoon in May."
    index = NearDuplicateIndex(threshold=0.8)
    assert index.check_and_add("a", base) is None
    assert index.check_and_add("b", base.upper().replace(".", " !")) == ("duplicate", "a")
    assert index.check_and_add("c", base.replace("May", "June")) == ("near_duplicate", "a")
    assert index.check_and_add("d", "Photosynthesis turns light, water and carbon dioxide into sugar.") is None
    assert index.check_and_add("e", "今天天气很好，我们去公园散步吧。") is None
    assert index.check_and_add("f", "今天天气很好，我们去公园散步吧！好吗") == ("near_duplicate", "e")
    assert len(index) == 3  # duplicates are not indexed


def test_near_duplicate_threshold_is_the_exact_jaccard():
    words = [f"w{i}" for i in range(40)]
    original = " ".join(words)
    index = NearDuplicateIndex(threshold=0.7, shingle_size=1)
    index.add("orig", original)
    for changed in range(0, 20):
        variant = " ".join(words[: 40 - changed] + [f"x{i}" for i in range(changed)])
        similarity = jaccard(shingles(original, 1), shingles(variant, 1))
        found = index.find(variant)
        assert (found is not None) == (similarity >= 0.7), (changed, similarity)


def test_band_layout_sits_below_the_threshold():
    for threshold in (0.5, 0.7, 0.85, 0.95):
        bands, rows = band_layout(threshold, 128)
        assert bands * rows <= 128
        assert (1 / bands) ** (1 / rows) <= threshold


def test_category_cap_is_seeded_and_keeps_order():
    categories = ["math"] * 6 + ["geo"] * 2 + [None] * 3 + ["math"] * 2
    keep = cap_per_category(categories, cap=3, seed=0)
    kept = [c for c, k in zip(categories, keep, strict=True) if k]
    assert kept.count("math") == 3 and kept.count("geo") == 2 and kept.count(None) == 3
    assert keep == cap_per_category(categories, cap=3, seed=0)
    choices = {tuple(cap_per_category(categories, cap=3, seed=s)) for s in range(10)}
    assert len(choices) > 1  # the seed decides which math items stay
