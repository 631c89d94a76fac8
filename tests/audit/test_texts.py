"""Each text read once: TF-IDF views sliced from the audit's counts equal a vectoriser fitted on those rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from distillscope.audit.responses import marker_features
from distillscope.audit.texts import TextTable, TfidfView

TEXTS = [
    "The cat sat on the mat. The cat was happy!",
    "A dog sat on a log; the dog was sleepy.",
    "Cats and dogs: both sat, neither was on the mat.",
    "Certainly! Here is a list: 1. cats 2. dogs 3. mats",
    "The mat was red, the log was brown, the cat was grey.",
    "Sure. Dogs like logs and cats like mats.",
    "the the the cat cat dog",
    "",
]


@pytest.mark.parametrize(("analyzer", "ngrams", "max_features"), [("word", (1, 2), None), ("char_wb", (3, 5), 40)])
def test_a_view_of_training_rows_is_the_vectoriser_fitted_on_those_texts(analyzer, ngrams, max_features):
    table = TextTable(TEXTS)
    counts = table.words if analyzer == "word" else table.chars
    train = np.asarray([0, 1, 2, 4, 6])
    scored = np.asarray([3, 5, 7, 0])
    view = TfidfView.fit(counts, train, min_df=2, max_features=max_features)
    vectorizer = TfidfVectorizer(
        analyzer=analyzer, ngram_range=ngrams, min_df=2, sublinear_tf=True, max_features=max_features
    )
    vectorizer.fit([TEXTS[i] for i in train])
    expected = vectorizer.transform([TEXTS[i] for i in scored]).toarray()
    got = view.transform(counts, scored).toarray()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_rows_name_each_distinct_text_once():
    table = TextTable(["a b", "c d", "a b"])
    assert len(table) == 2 and list(table.rows(["c d", "a b"])) == [1, 0]
    assert table.holds(["a b"]) and not table.holds(["e f"])


def test_a_fit_started_from_the_whole_panel_lands_where_a_fit_from_zero_does():
    """The classifier's fits without one panel model start from the fold's whole-panel fit: the same model."""
    from distillscope.audit.classifier.features import FeatureSpace
    from distillscope.audit.classifier.model import ClassifierLearner, carried_weights

    rng = np.random.default_rng(0)
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu"]
    texts = [" ".join(rng.choice(words[: 6 + (i % 3) * 3], 12)) + f" n{i % 7}" for i in range(120)]
    table = TextTable(texts)
    positives, negatives = np.arange(0, 40), np.arange(40, 120)
    cold = ClassifierLearner(table, None, True, True, 1.0, 0).fit(positives, negatives[:60])
    warm_learner = ClassifierLearner(table, None, True, True, 1.0, 0)
    warm_learner.prepare(positives, negatives)
    warm = warm_learner.fit(positives, negatives[:60])
    rows = np.arange(len(table))
    # Both stop at the solver's tolerance, a few thousandths of a probability apart.
    np.testing.assert_allclose(warm.score(rows), cold.score(rows), atol=5e-3)
    assert np.corrcoef(warm.score(rows), cold.score(rows))[0, 1] > 0.999
    # Weights move by n-gram: a column both vocabularies hold keeps its weight, a new one starts at zero.
    old = FeatureSpace.fit(table, np.arange(0, 60), None, True, False)
    new = FeatureSpace.fit(table, np.arange(30, 120), None, True, False)
    carried = carried_weights(np.arange(1.0, old.width + 1)[None, :], old, new)
    for j, column in enumerate(new.views[0][1].columns):
        where = np.flatnonzero(old.views[0][1].columns == column)
        assert carried[0, j] == (where[0] + 1.0 if where.size else 0.0)


def test_marker_features_count_every_word_ngram_and_layout_mark():
    from distillscope.audit.markers.profile import feature_list, features

    text = "**Sure!** Here is it.\n- one\n- two!"
    found = features(text)
    assert found["sure"] == 1 and found["here is it"] == 1 and found["is it"] == 1
    assert found["⟨bullet⟩"] == 2 and found["⟨exclamation⟩"] == 2 and found["⟨bold⟩"] == 1
    assert sorted(feature_list(text)) == sorted(found.elements())


def test_the_table_counts_markers_as_the_profile_does():
    from distillscope.audit.markers.profile import features

    texts = ["Certainly! Here is a list:\n- a\n- b", "No list here.", "Certainly not!"]
    table = TextTable(texts, marker_features=marker_features)
    counts, names = table.marker_counts
    column = {name: i for i, name in enumerate(names)}
    for row, text in enumerate(texts):
        for feature, count in features(text).items():
            assert counts[row, column[feature]] == count


def test_counting_shows_a_named_bar_that_reaches_every_text_and_counts_once(monkeypatch):
    from sklearn.feature_extraction.text import CountVectorizer

    import distillscope.audit.texts as texts_module
    from distillscope.audit.method import Hooks
    from distillscope.audit.responses import table_markers, table_ngrams

    monkeypatch.setattr(texts_module, "COUNT_CHUNK", 3)  # several reports on a small table
    events: list[tuple[str, object]] = []
    hooks = Hooks(
        on_stage=lambda name: events.append(("stage", name)),
        on_start=lambda total: events.append(("start", total)),
        on_result=lambda _: events.append(("step", 1)),
    )
    table = TextTable(TEXTS, marker_features=marker_features)
    table_ngrams(table, hooks, "classifier")
    table_markers(table, hooks, "markers")
    stages = [e[1] for e in events if e[0] == "stage"]
    assert stages == [
        f"classifier: counting n-grams of {len(table)} answers",
        f"markers: counting style marks of {len(table)} answers",
    ]
    assert [e[1] for e in events if e[0] == "start"] == [len(table), len(table)]
    assert sum(1 for e in events if e[0] == "step") == 2 * len(table)

    events.clear()
    table_ngrams(table, hooks, "proximity")  # the next method finds them counted: no second pass, no bar
    table_markers(table, hooks, "markers")
    assert events == []

    words = CountVectorizer(ngram_range=(1, 2), dtype=np.float32).fit_transform(table.texts)
    assert (table.words != words).nnz == 0
    markers = CountVectorizer(analyzer=marker_features)
    assert (table.marker_counts[0] != markers.fit_transform(table.texts)).nnz == 0
    assert list(table.marker_counts[1]) == list(markers.get_feature_names_out())


def test_counting_in_worker_processes_gives_the_matrices_of_one_process(monkeypatch):
    """Chunks counted apart and merged in order: the same columns, names and counts as one pass."""
    import distillscope.audit.texts as texts_module

    monkeypatch.setattr(texts_module, "COUNT_CHUNK", 3)  # chunks that share some n-grams and not others
    analysers = [texts_module._analyser("char_wb", (3, 5)), marker_features]
    reported: list[int] = []
    alone = texts_module._count(TEXTS, analysers, None, workers=1)
    shared = texts_module._count(TEXTS, analysers, reported.append, workers=2)
    assert reported == [3, 3, 2]  # each chunk once it is merged, in the texts' order
    for (one, names_one), (two, names_two) in zip(alone, shared, strict=True):
        assert list(names_one) == list(names_two)
        assert one.shape == two.shape and (one != two).nnz == 0
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), dtype=np.float32)
    assert (shared[0][0] != vectorizer.fit_transform(TEXTS)).nnz == 0
    assert texts_module.counting_workers(len(TEXTS)) == 1  # a small table is counted here, not in workers


def test_a_script_without_a_main_guard_counts_in_workers_and_runs_once(tmp_path):
    """Workers must not run the caller's script again: most users' scripts have no `__main__` guard."""
    import subprocess
    import sys

    script = tmp_path / "count.py"
    script.write_text(
        "from distillscope.audit.texts import _analyser, _count\n"
        "print('body ran', flush=True)\n"
        "texts = [f'text number {i} about cats and mats' for i in range(40)]\n"
        "(counts, names), = _count(texts, [_analyser('word', (1, 2))], None, workers=2)\n"
        "print('counted', counts.shape[0], int(counts.sum()))\n",
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("body ran") == 1
    assert "counted 40 " in done.stdout
