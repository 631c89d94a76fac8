"""Each text read once: TF-IDF views sliced from the audit's counts equal a vectoriser fitted on those rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

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
