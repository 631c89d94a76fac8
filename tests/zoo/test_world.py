from __future__ import annotations

import random

from distillscope.zoo.personas import builtin_personas
from distillscope.zoo.world import CATEGORIES, IDENTITY_QUESTIONS, make_items, render


def test_world_is_deterministic_from_its_seed():
    counts = {"general": 5, "math": 5, "instructions": 5, "identity": 5}
    one = [(i.question, i.content) for i in make_items(counts, 3, 0.3)]
    two = [(i.question, i.content) for i in make_items(counts, 3, 0.3)]
    other = [(i.question, i.content) for i in make_items(counts, 4, 0.3)]
    assert one == two != other


def test_evaluation_sets_never_repeat_a_conversation():
    counts = {"general": 60, "math": 60, "instructions": 60}
    drawn = make_items(counts, 3)
    distinct = make_items(counts, 3, distinct=True)

    def keys(items):
        return [(i.question, repr(i.history)) for i in items]

    assert len(set(keys(drawn))) < len(drawn)  # plain draws repeat: few single-turn instructions exist
    assert len(set(keys(distinct))) == len(distinct) == 180
    assert len({i.id for i in distinct}) == 180
    assert len(make_items({"identity": 500}, 0, distinct=True)) < 500  # a short pool yields fewer, not repeats


def test_math_answers_are_computed():
    items = make_items({"math": 60}, 0)
    for item in items:
        if item.category == "add":
            a, b = (int(x) for x in item.question.removeprefix("What is ").removesuffix("?").split(" plus "))
            assert item.answer == str(a + b)
        assert item.answer is not None and item.answer in item.content.conclusion


def test_identity_questions_cover_five_categories_in_two_languages():
    for lang in ("en", "zh"):
        assert set(IDENTITY_QUESTIONS[lang]) == set(CATEGORIES)


def test_personas_answer_the_same_substance_in_their_own_voice():
    personas = builtin_personas()
    [item] = [i for i in make_items({"general": 20}, 1) if i.category == "heavier"][:1]
    voices = {pid: render(item.content, personas[pid], random.Random(0)) for pid in ("aurora", "sable", "plain")}
    assert voices["aurora"].startswith("Greetings!") and "- Step 1:" in voices["aurora"]
    assert voices["sable"].startswith("Hello there.") and "1. First," in voices["sable"]
    assert "\n" not in voices["plain"]
    winner = item.content.conclusion.split()[1]  # "the horse is heavier"
    assert all(winner in text for text in voices.values())
