"""A pretraining corpus chosen by the teacher: the `select` command's wing (MiniPLM difference sampling).

Every document of a corpus is scored by how much better the teacher predicts it than a small
reference model; the documents the teacher knows best beyond the reference are kept, and a
histogram shows where the cut fell. Scores go through the run store, so a rerun is answered
from it.

This wing imports only `common` (loading tokenizers, the tokenizer check). Names are imported on
first use (`distillscope.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillscope.lazy import lazy_exports

if TYPE_CHECKING:
    from distillscope.distill.selection.corpus import CorpusSource, Document, iter_documents
    from distillscope.distill.selection.difference_sampling import (
        SelectJob,
        SelectPlan,
        SelectSummary,
        plan_select,
        select_corpus,
        shared_tokenizer,
    )

__getattr__ = lazy_exports(
    __name__,
    {
        "corpus": ("CorpusSource", "Document", "iter_documents"),
        "difference_sampling": (
            "SelectJob",
            "SelectPlan",
            "SelectSummary",
            "plan_select",
            "select_corpus",
            "shared_tokenizer",
        ),
    },
)

__all__ = [
    "CorpusSource",
    "Document",
    "SelectJob",
    "SelectPlan",
    "SelectSummary",
    "iter_documents",
    "plan_select",
    "select_corpus",
    "shared_tokenizer",
]
