"""Proximity: on each prompt, is a model's answer nearer the reference's than the panel's answers are?"""

from __future__ import annotations

import random

import numpy as np
import pytest

from distillscope.audit.crossfit import answer_table
from distillscope.audit.proximity.measure import nearness, view_vectors
from distillscope.audit.responses import Answers, ModelAnswers
from distillscope.audit.rse.prompts import RSEItem
from distillscope.data.sources import PromptItem

WORDS = [
    "river",
    "stone",
    "light",
    "water",
    "north",
    "field",
    "cloud",
    "seed",
    "bread",
    "glass",
    "forest",
    "winter",
    "signal",
    "market",
]
UIDS = [f"q{i}" for i in range(30)]


def answer(rng: random.Random, length: int = 20) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(length))


def world(panel_size: int = 5) -> Answers:
    """A reference; a copy that keeps 80% of its words prompt by prompt; unrelated models of their own."""
    rng = random.Random(0)
    reference = {u: answer(random.Random(f"ref{u}")) for u in UIDS}

    def near(text: str) -> str:
        return " ".join(w if rng.random() < 0.8 else rng.choice(WORDS) for w in text.split())

    copy = ModelAnswers("copy", "copy", "target", {u: near(reference[u]) for u in UIDS})
    stranger = ModelAnswers("stranger", "stranger", "target", {u: answer(random.Random(f"s{u}")) for u in UIDS})
    panel = [
        ModelAnswers(f"p{j}", f"p{j}", "panel", {u: answer(random.Random(f"p{j}{u}")) for u in UIDS})
        for j in range(panel_size)
    ]
    items = [RSEItem(uid=u, domain="d", item=PromptItem(id=u, messages=[])) for u in UIDS]
    return Answers(items, reference, None, [copy, stranger, *panel])


def test_a_copy_is_nearest_the_reference_on_every_prompt_and_a_stranger_is_like_the_panel():
    answers = world()
    table = answer_table(answers)
    rng = np.random.default_rng(0)
    embeddings = rng.normal(size=(len(table), 8)).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    views = view_vectors(table, embeddings)
    assert set(views) == {"embedding", "words", "chars"}
    found = nearness(answers, table, {k: v for k, v in views.items() if k != "embedding"}, ceiling=False)
    assert set(found) == {"copy", "stranger", "p0", "p1", "p2", "p3", "p4"} and "ceiling" not in found
    assert np.mean(list(found["copy"].values())) > 0.95
    unrelated = [np.mean(list(found[m].values())) for m in ("stranger", "p0", "p1", "p2", "p3", "p4")]
    assert all(0.25 < v < 0.75 for v in unrelated)
    # Values are shares of the comparison set: a target is compared with all five panel models, a panel
    # model with the four others (never itself), so with one view and ties at half they are multiples of
    # 1/10 and 1/8.
    one = nearness(answers, table, {"words": views["words"]}, ceiling=False)
    assert all(v * 8 == pytest.approx(round(v * 8)) for v in one["p0"].values())
    assert all(v * 10 == pytest.approx(round(v * 10)) for v in one["stranger"].values())
    assert any(v * 8 != pytest.approx(round(v * 8)) for v in one["stranger"].values())


def test_ties_count_half_and_a_prompt_the_panel_barely_answered_is_left_out():
    answers = world(panel_size=3)
    same = answers.reference["q0"]
    for member in answers.of("panel"):  # every panel answer to q0 is the reference's own: all tie
        member.texts["q0"] = same
    del answers.subjects[2].texts["q1"], answers.subjects[3].texts["q1"]  # only one panel answer left
    table = answer_table(answers)
    views = view_vectors(table, None)
    found = nearness(answers, table, views, ceiling=False)
    # The panel's answers are the reference's own: from anywhere they are exactly as near, so all tie.
    assert found["stranger"]["q0"] == pytest.approx(0.5) and found["p0"]["q0"] == pytest.approx(0.5)
    assert "q1" not in found["copy"]
