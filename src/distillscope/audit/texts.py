"""Every answer of an audit, read once: sparse counts of its words, letters and style marks.

The text signals learn from the same answers over and over. The classifier fits one model per
prompt fold and per left-out panel member (folds × k fits), the style profile recounts n-grams per
fold, and the proximity signal compares every answer with every other answer to its prompt.
Tokenising each text anew for each of those made an audit's cost grow with folds × panel × texts,
and most of an audit's time went to reading the same strings again.

So each distinct text is tokenised once per audit, into count matrices over the vocabulary of all
its texts (rows: texts; columns: n-grams). Everything downstream slices rows and columns:

- a fold's TF-IDF vocabulary and weights come from the column sums of its training rows, as
  scikit-learn's `TfidfVectorizer(min_df, max_features, sublinear_tf)` would compute them had it
  been fitted on those texts alone (`TfidfView`), so no text outside the training rows shapes the
  features a model learns from;
- the style profile's counts of one model's answers are a sum of rows.

Counting is Python code holding the GIL, so a large table (a real audit: thousands of answers) is
counted in chunks by worker processes, one per core, and the chunks' counts are merged in order;
the matrices are those of one pass, column for column. On the 6,780 answers of 400 prompts × 17
real models, counting words, characters and style marks took 25.7 s in one process and 18.8 s in
two, on two cores (one run): the merge and the final sort of the vocabulary stay in this process.
A small table is counted here, where starting workers would cost more than it saves.

Embeddings are kept elsewhere, by text hash, in the run store (`judges/similarity/encoding.py`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from distillscope.judges.similarity.encoding import Encoder

# The classifier's n-gram features: the analysers scikit-learn's TfidfVectorizer uses by default for
# words (lower-cased \b\w\w+\b tokens) and characters within word boundaries.
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (3, 5)


class TextTable:
    """The distinct texts of an audit, each with its row in every count matrix."""

    def __init__(self, texts: Iterable[str], marker_features: Callable[[str], Iterable[str]] | None = None) -> None:
        self.texts: list[str] = list(dict.fromkeys(texts))
        self._row = {text: index for index, text in enumerate(self.texts)}
        self._marker_features = marker_features
        self._kept: dict[str, np.ndarray] = {}
        self._ngrams: tuple[sparse.csr_matrix, sparse.csr_matrix] | None = None
        self._markers: tuple[sparse.csr_matrix, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def counts_only(self) -> TextTable:
        """This table's counts and kept arrays without its texts: what a worker process that works on row
        numbers needs (joblib memory-maps the arrays to it), without pickling every text of the table."""
        slim = TextTable([], self._marker_features)
        slim._kept, slim._ngrams, slim._markers = self._kept, self._ngrams, self._markers
        return slim

    def holds(self, texts: Iterable[str]) -> bool:
        return all(text in self._row for text in texts)

    def embeddings(self, encoder: Encoder, on_encoded: Callable[[int], None] | None = None) -> np.ndarray:
        """Every text's sentence embedding (one row per text), encoded once and kept in the store."""
        key = f"embeddings:{encoder.identity}"
        if key not in self._kept:
            empty = np.zeros((0, 0), dtype=np.float32)
            self._kept[key] = encoder.vectors(self.texts, on_encoded) if self.texts else empty
        return self._kept[key]

    def rows(self, texts: Sequence[str]) -> np.ndarray:
        """Row numbers of the given texts (each must be in the table)."""
        return np.fromiter((self._row[t] for t in texts), dtype=np.int64, count=len(texts))

    @property
    def counted(self) -> bool:
        """Whether the word and character n-grams are counted (the first method to need them counts)."""
        return self._ngrams is not None

    @property
    def markers_counted(self) -> bool:
        return self._markers is not None

    def count_ngrams(
        self, on_counted: Callable[[int], None] | None = None
    ) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """Every text's word and character n-gram counts, counted in one pass on first need; `on_counted`
        hears how many texts are done as it goes."""
        if self._ngrams is None:
            analysers = [_analyser("word", WORD_NGRAMS), _analyser("char_wb", CHAR_NGRAMS)]
            (words, _), (chars, _) = _count(self.texts, analysers, on_counted)
            self._ngrams = (words, chars)
        return self._ngrams

    def count_markers(self, on_counted: Callable[[int], None] | None = None) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Every text's style-profile feature counts and the features' names, counted on first need."""
        if self._markers is None:
            if self._marker_features is None:
                raise ValueError("this table was built without the style profile's features")
            self._markers = _count(self.texts, [self._marker_features], on_counted)[0]
        return self._markers

    @property
    def words(self) -> sparse.csr_matrix:
        """Counts of word uni- and bigrams, one row per text."""
        return self.count_ngrams()[0]

    @property
    def chars(self) -> sparse.csr_matrix:
        """Counts of character 3- to 5-grams within word boundaries."""
        return self.count_ngrams()[1]

    @property
    def marker_counts(self) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Counts of the style profile's features, and their names (column order)."""
        return self.count_markers()


COUNT_CHUNK = 512  # texts counted between two progress reports; a worker's unit
PARALLEL_FROM = 4 * COUNT_CHUNK  # texts; below this, worker processes cost more than they save


def _analyser(analyzer: str, ngram_range: tuple[int, int]) -> Callable[[str], Iterable[str]]:
    """scikit-learn's own analyser for these options: the features its vectorisers would count."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(analyzer=analyzer, ngram_range=ngram_range).build_analyzer()


def counting_workers(texts: int) -> int:
    """Processes to count `texts` texts in, a chunk at a time.

    Counting is Python code that holds the GIL, so threads would take turns; processes each take whole
    chunks, and the chunks' counts are merged in order, which gives exactly the single-process matrices.
    """
    return worker_processes(texts, -(-texts // COUNT_CHUNK))


def worker_processes(texts: int, tasks: int) -> int:
    """Processes to share `tasks` pieces of work on a table of `texts` texts: one per core this process
    may use, when the table is large enough to be worth sending (the counting's chunks, the classifier's
    folds)."""
    if texts < PARALLEL_FROM:
        return 1
    from joblib import cpu_count  # the pool's own count: this process's affinity and any container quota

    return max(1, min(cpu_count(), tasks))


def _count(
    texts: list[str],
    analysers: Sequence[Callable[[str], Iterable[str]]],
    on_counted: Callable[[int], None] | None,
    workers: int | None = None,
) -> list[tuple[sparse.csr_matrix, np.ndarray]]:
    """One count matrix (and its column names) per analyser, reading the texts once; `on_counted` hears
    of each chunk once it is counted (and merged), in the texts' order."""
    chunks = [texts[start : start + COUNT_CHUNK] for start in range(0, len(texts), COUNT_CHUNK)]
    workers = counting_workers(len(texts)) if workers is None else workers
    merged = [_Merged() for _ in analysers]
    for parts in _counted_parts(chunks, analysers, workers, on_counted or (lambda _: None)):
        for into, part in zip(merged, parts, strict=True):
            into.add(part)
    return [m.matrix() for m in merged]


def _counted_parts(
    chunks: list[list[str]],
    analysers: Sequence[Callable[[str], Iterable[str]]],
    workers: int,
    report: Callable[[int], None],
) -> Iterator[list[_Part]]:
    """The counts to merge: here, one part over every text; else one part per chunk, each counted by a
    worker process. The workers are joblib's (loky): fresh interpreters, so the audit's threads, store
    connection and torch thread pool are not copied into them, and, unlike `multiprocessing`'s spawn,
    they do not run the caller's script again, which a script without a `__main__` guard would need."""
    if workers <= 1:
        counts = [_Counts(analyse) for analyse in analysers]
        for chunk in chunks:
            _count_into(counts, chunk)
            report(len(chunk))
        yield [count.part() for count in counts]
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=workers, backend="loky", return_as="generator")  # results in submission order
    for chunk, parts in zip(chunks, parallel(delayed(_count_chunk)(c, analysers) for c in chunks), strict=True):
        yield parts
        report(len(chunk))


_Part = tuple[list[str], np.ndarray, np.ndarray, np.ndarray]  # names by local column, columns, values, row ends


def _count_chunk(texts: list[str], analysers: Sequence[Callable[[str], Iterable[str]]]) -> list[_Part]:
    """One chunk's counts per analyser, over the chunk's own vocabulary (a worker's whole job)."""
    counts = [_Counts(analyse) for analyse in analysers]
    _count_into(counts, texts)
    return [count.part() for count in counts]


def _count_into(counts: Sequence[_Counts], texts: Iterable[str]) -> None:
    for text in texts:
        for count in counts:
            count.add(text)


class _Counts:
    """Counts built one text at a time over a vocabulary of the features seen so far."""

    def __init__(self, analyse: Callable[[str], Iterable[str]]) -> None:
        self.analyse = analyse
        self.vocabulary: dict[str, int] = {}
        self.columns: list[int] = []
        self.values: list[int] = []
        self.indptr: list[int] = [0]

    def add(self, text: str) -> None:
        """Counted in C (`Counter`), then each distinct feature given its column: the vocabulary is looked
        up once per feature a text holds, not once per occurrence."""
        found = Counter(self.analyse(text))
        vocabulary = self.vocabulary
        self.columns.extend(vocabulary.setdefault(feature, len(vocabulary)) for feature in found)
        self.values.extend(found.values())
        self.indptr.append(len(self.columns))

    def part(self) -> _Part:
        return (
            list(self.vocabulary),
            np.asarray(self.columns, dtype=np.int64),
            np.asarray(self.values, dtype=np.float32),
            np.asarray(self.indptr, dtype=np.int64),
        )


class _Merged:
    """Chunks' counts joined into one matrix; its columns in the sorted order of the feature names, as
    `CountVectorizer.fit_transform` gives them, so views of it equal the vectorisers' output."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.columns: list[np.ndarray] = []
        self.values: list[np.ndarray] = []
        self.row_lengths: list[np.ndarray] = []

    def add(self, part: _Part) -> None:
        names, columns, values, indptr = part
        if not self.vocabulary:  # the first chunk's columns are already the merged ones
            self.vocabulary = dict(zip(names, range(len(names)), strict=True))
            self.columns.append(columns)
        else:
            vocabulary = self.vocabulary
            to_global = np.fromiter(
                (vocabulary.setdefault(name, len(vocabulary)) for name in names), dtype=np.int64, count=len(names)
            )
            self.columns.append(to_global[columns])
        self.values.append(values)
        self.row_lengths.append(np.diff(indptr))

    def matrix(self) -> tuple[sparse.csr_matrix, np.ndarray]:
        by_column = list(self.vocabulary)  # insertion order is column order
        order = sorted(range(len(by_column)), key=by_column.__getitem__)
        names = [by_column[column] for column in order]
        position = np.empty(len(names), dtype=np.int64)
        position[np.asarray(order, dtype=np.int64)] = np.arange(len(names), dtype=np.int64)
        columns = position[np.concatenate([np.zeros(0, dtype=np.int64), *self.columns])]
        values = np.concatenate([np.zeros(0, dtype=np.float32), *self.values])
        lengths = np.concatenate([np.zeros(0, dtype=np.int64), *self.row_lengths])
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        counts = sparse.csr_matrix((values, columns, indptr), shape=(len(lengths), len(names)))
        counts.sort_indices()
        return counts, np.asarray(names, dtype=object)


@dataclass(frozen=True)
class TfidfView:
    """TF-IDF features of a count matrix as a vectoriser fitted on some of its rows would give them.

    The vocabulary is the columns seen in at least `min_df` training rows, the `max_features` most
    frequent of them in the training rows; the inverse document frequency is smoothed
    (ln((1 + n) / (1 + df)) + 1), term frequencies are sublinear (1 + ln tf) and rows are scaled to
    unit length, as `TfidfVectorizer(sublinear_tf=True)` does."""

    columns: np.ndarray
    idf: np.ndarray

    @classmethod
    def fit(
        cls, counts: sparse.csr_matrix, rows: np.ndarray, min_df: int = 2, max_features: int | None = None
    ) -> TfidfView:
        return cls.from_sums(*column_sums(counts, rows), len(rows), min_df, max_features)

    @classmethod
    def from_sums(
        cls, df: np.ndarray, tf: np.ndarray, documents: int, min_df: int = 2, max_features: int | None = None
    ) -> TfidfView:
        """From training rows' document frequencies and term counts, so that sums of parts can be
        reused: a fit without one panel member is the fold's sums less that member's."""
        columns = np.flatnonzero(df >= min_df)
        if max_features is not None and columns.size > max_features:
            order = np.argsort(-tf[columns], kind="stable")[:max_features]
            columns = np.sort(columns[order])
        idf = np.log((1.0 + documents) / (1.0 + df[columns])) + 1.0
        return cls(columns, idf.astype(np.float32))

    def transform(self, counts: sparse.csr_matrix, rows: np.ndarray) -> sparse.csr_matrix:
        """The rows' TF-IDF vectors, unit length, over this view's columns.

        Done on the CSR arrays directly: every fold and panel member transforms the same rows again, and
        scipy's column slicing goes through a COO copy and a sort each time (half the classifier's time)."""
        picked = counts[rows]
        position = self._positions(counts.shape[1])[picked.indices]
        keep = position >= 0
        row_of = np.repeat(np.arange(len(rows)), np.diff(picked.indptr))[keep]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=len(rows)), out=indptr[1:])
        columns = position[keep]
        data = (1.0 + np.log(picked.data[keep].astype(np.float64))) * self.idf[columns]
        norms = np.sqrt(np.bincount(row_of, weights=data * data, minlength=len(rows)))
        norms[norms == 0] = 1.0
        data = (data / norms[row_of]).astype(np.float32)
        return sparse.csr_matrix((data, columns, indptr), shape=(len(rows), self.columns.size))

    def _positions(self, width: int) -> np.ndarray:
        """Each count column's place among this view's columns (−1 when left out), made once per view."""
        cached = self.__dict__.get("_position_map")
        if cached is None or cached.shape[0] != width:
            cached = np.full(width, -1, dtype=np.int64)
            cached[self.columns] = np.arange(self.columns.size)
            object.__setattr__(self, "_position_map", cached)  # a cache, not a field: equality ignores it
        return cached


def column_sums(counts: sparse.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(document frequency, total count) of every column over the given rows."""
    picked = counts[rows]
    df = np.bincount(picked.indices, minlength=counts.shape[1]).astype(np.int64)
    tf = np.asarray(picked.sum(axis=0)).ravel()
    return df, tf


def unit_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags((1.0 / norms).astype(np.float32)) @ matrix
