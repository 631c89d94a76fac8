"""Cross-fitting: no answer is scored by a model that saw its prompt, or its model, in training."""

from __future__ import annotations

from distillscope.audit.crossfit import cross_fitted, evidence_from_scores, folds_of
from distillscope.audit.markers.profile import features, over_used
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
    return Answers(items, texts("ref"), ModelAnswers("ref", "ref", "ceiling", texts("ref2")), subjects)


class Recorder:
    """A fit that remembers what it was trained on, and scores a text by how often its model was seen."""

    def __init__(self) -> None:
        self.fits: list[tuple[set[str], set[str]]] = []

    def __call__(self, reference, panel):
        seen_models = {t.split()[0] for t in panel}
        seen_prompts = {t.split()[-1] for t in [*reference, *panel]}
        self.fits.append((seen_models, seen_prompts))
        fit = len(self.fits) - 1

        class Scorer:
            def score(inner, texts):
                models, prompts = self.fits[fit]
                for text in texts:
                    assert text.split()[0] not in models, f"{text} scored by a model trained on its model"
                    assert text.split()[-1] not in prompts, f"{text} scored by a model trained on its prompt"
                return [float(len(models)) for _ in texts]

        return Scorer()


def test_every_answer_is_scored_out_of_fold_and_out_of_panel_by_models_learned_from_as_many_negatives():
    recorder = Recorder()
    scores = cross_fitted(answers(), recorder, folds=5, seed=0)
    assert set(scores) == {"ceiling", "t1", "t2", "p1", "p2", "p3"}
    assert all(set(s) == set(UIDS) for s in scores.values())
    # Targets, the ceiling and the panel alike are scored by models that saw two of the three panel models:
    # a target scored by a model of the whole panel would sit on another scale.
    assert {v for s in scores.values() for v in s.values()} == {2.0}
    assert len(recorder.fits) == 5 * 3


def test_folds_cover_every_prompt_once_and_evidence_carries_each_prompt():
    folds = folds_of(UIDS, 4, seed=1)
    assert sorted(u for fold in folds for u in fold) == sorted(UIDS) and len(folds) == 4
    evidence = evidence_from_scores("m", "s", "scale", cross_fitted(answers(), Recorder(), 3, 0), answers(), "ref")
    target = next(e for e in evidence if e.model == "t1")
    assert target.items[0].ids == sorted(UIDS) and target.items[0].groups[:2] == ["e", "d"]
    assert target.measures[0].value == 2.0 and target.measures[0].n == 10
    assert {e.role for e in evidence} == {"target", "panel", "ceiling"}


def test_markers_are_what_the_reference_over_uses():
    reference = ["- Indeed, naturally the answer is simple. Greetings!"] * 30
    panel = ["The answer is simple."] * 60
    found = {m.feature for m in over_used(reference, panel)}
    assert {"indeed", "naturally", "⟨bullet⟩"} <= found and "answer" not in found
    assert features("## Title\n- one\n1. two **bold**")["⟨heading⟩"] == 1
