"""Cross-fitting: no answer is scored by a model that saw its prompt, or its model, in training."""

from __future__ import annotations

import numpy as np
import pytest

from distillscope.audit.crossfit import answer_table, cross_fitted, evidence_from_scores, folds_of
from distillscope.audit.markers.profile import MarkerLearner, features, over_used
from distillscope.audit.responses import Answers, ModelAnswers
from distillscope.audit.rse.prompts import RSEItem
from distillscope.data.sources import PromptItem

UIDS = [f"q{i}" for i in range(10)]


def answers() -> Answers:
    items = [
        RSEItem(uid=u, domain="d" if i % 2 else "e", item=PromptItem(id=u, messages=[])) for i, u in enumerate(UIDS)
    ]

    def texts(who: str) -> dict[str, str]:
        return {u: f"{who} answers {u}" for u in UIDS}

    subjects = [ModelAnswers(m, m, "target", texts(m)) for m in ("t1", "t2")]
    subjects += [ModelAnswers(m, m, "panel", texts(m)) for m in ("p1", "p2", "p3")]
    return Answers(items, texts("ref"), None, subjects)


class Recorder:
    """A learner that remembers what it was trained on, and scores a text by how many models it saw."""

    def __init__(self, table) -> None:
        self.table = table
        self.fits: list[tuple[set[str], set[str]]] = []

    def fit(self, positives, negatives):
        text = self.table.texts
        assert {text[r].split()[0] for r in positives} == {"ref"}
        seen_models = {text[r].split()[0] for r in negatives}
        seen_prompts = {text[r].split()[-1] for r in [*positives, *negatives]}
        self.fits.append((seen_models, seen_prompts))
        fit = len(self.fits) - 1

        class Scorer:
            def score(inner, rows):
                models, prompts = self.fits[fit]
                for row in rows:
                    assert text[row].split()[0] not in models, f"{text[row]} scored by a model trained on its model"
                    assert text[row].split()[-1] not in prompts, f"{text[row]} scored by a model trained on its prompt"
                return np.full(len(rows), float(len(models)))

        return Scorer()


def test_every_answer_is_scored_out_of_fold_and_out_of_panel_by_models_learned_from_as_many_negatives():
    table = answer_table(answers())
    recorder = Recorder(table)
    folds_done = []
    scores = cross_fitted(answers(), table, recorder, folds=5, seed=0, on_fold=lambda i, n: folds_done.append((i, n)))
    assert set(scores) == {"ceiling", "t1", "t2", "p1", "p2", "p3"}
    assert all(set(s) == set(UIDS) for s in scores.values())
    # Targets, the ceiling and the panel alike are scored by models that saw two of the three panel models:
    # a target scored by a model of the whole panel would sit on another scale.
    assert {v for s in scores.values() for v in s.values()} == {2.0}
    assert len(recorder.fits) == 5 * 3
    assert folds_done == [(i, 5) for i in range(1, 6)]


def test_folds_cover_every_prompt_once_and_evidence_carries_each_prompt():
    folds = folds_of(UIDS, 4, seed=1)
    assert sorted(u for fold in folds for u in fold) == sorted(UIDS) and len(folds) == 4
    table = answer_table(answers())
    scores = cross_fitted(answers(), table, Recorder(table), 3, 0)
    evidence = evidence_from_scores("m", "s", "scale", scores, answers(), ("ref", "Ref"))
    target = next(e for e in evidence if e.model == "t1")
    assert target.items[0].ids == sorted(UIDS) and target.items[0].groups[:2] == ["e", "d"]
    assert target.measures[0].value == 2.0 and target.measures[0].n == 10
    assert {e.role for e in evidence} == {"target", "panel", "ceiling"}
    # The ceiling is the reference itself, scored on its own held-out answers: no second sample is needed.
    ceiling = next(e for e in evidence if e.role == "ceiling")
    assert (ceiling.model, ceiling.label, ceiling.items[0].ids) == ("ref", "Ref", sorted(UIDS))


def test_markers_are_what_the_reference_over_uses():
    reference = ["- Indeed, naturally the answer is simple. Greetings!"] * 30
    panel = ["The answer is simple."] * 60
    found = {m.feature for m in over_used(reference, panel)}
    assert {"indeed", "naturally", "⟨bullet⟩"} <= found and "answer" not in found
    assert features("## Title\n- one\n1. two **bold**")["⟨heading⟩"] == 1


def test_marker_learner_on_counts_agrees_with_the_markers_counted_from_texts():
    """The count-matrix learner finds the same markers, with the same weights, as counting the texts."""
    reference = [f"- Indeed, naturally item {i} is simple. Greetings!" for i in range(30)]
    panel = [f"The answer {i} is simple." for i in range(60)]
    texts = reference + panel
    from distillscope.audit.texts import TextTable

    table = TextTable(texts, marker_features=lambda t: list(features(t).elements()))
    scorer = MarkerLearner(table).fit(table.rows(reference), table.rows(panel))
    names = table.marker_counts[1]
    learned = {names[c]: w for c, w in enumerate(scorer.weights) if w}
    counted = {m.feature: m.z for m in over_used(reference, panel)}
    assert learned.keys() == counted.keys() and {"indeed", "naturally", "⟨bullet⟩"} <= learned.keys()
    assert all(learned[f] == pytest.approx(counted[f]) for f in counted)
    scores = scorer.score(table.rows([reference[0], panel[0]]))
    assert scores[0] > 0 and scores[1] == 0


def test_folds_fitted_in_worker_processes_score_exactly_as_in_one():
    """The classifier's folds sent to two worker processes (the table without its texts) give the scores
    of one process, bit for bit, and progress still arrives fold by fold in order."""
    from distillscope.audit.classifier.model import ClassifierLearner

    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(40)]

    def texts(who: str, bias: int) -> dict[str, str]:
        return {u: " ".join(rng.choice(words[bias : bias + 25], 15)) + f" {who} {u}" for u in UIDS}

    items = [RSEItem(uid=u, domain="d", item=PromptItem(id=u, messages=[])) for u in UIDS]
    subjects = [ModelAnswers(m, m, "target", texts(m, b)) for m, b in (("t1", 0), ("t2", 10))]
    subjects += [ModelAnswers(m, m, "panel", texts(m, b)) for m, b in (("p1", 12), ("p2", 15), ("p3", 8))]
    recorded = Answers(items, texts("ref", 2), None, subjects)
    table = answer_table(recorded)
    embeddings = rng.normal(size=(len(table), 6)).astype(np.float32)
    learner = ClassifierLearner(table, embeddings, True, True, 1.0, 0)
    alone = cross_fitted(recorded, table, learner, 3, 0, workers=1)
    folds_done: list[tuple[int, int]] = []
    shared = cross_fitted(recorded, table, learner, 3, 0, lambda i, n: folds_done.append((i, n)), workers=2)
    assert shared == alone
    assert len({round(v, 6) for s in alone.values() for v in s.values()}) > 10  # real, varied probabilities
    assert folds_done == [(1, 3), (2, 3), (3, 3)]
    # What the workers got: the counts and arrays, none of the texts.
    sent = learner.for_workers()
    assert sent.table.texts == [] and sent.table.words is table.words and sent.embeddings is embeddings
