"""Identity questions: what ICE asks a target about itself, in five categories and two languages.

The built-in set pairs each English question with a Chinese one under the same id, so a score can be
broken down by language without mixing up which question was asked. Users bring their own set as a
CSV with the same columns; a bad row is reported with its file and line, since a typo in a category
would otherwise silently drop questions from a category's count.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from importlib import resources
from io import StringIO
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from distillscope.errors import InputError
from distillscope.fileio.files import read_text

CATEGORIES: tuple[str, ...] = ("team", "cooperation", "industry", "technology", "geography")
COLUMNS: tuple[str, ...] = ("id", "category", "language", "question")
BUILTIN_NAME = "questions.csv"


class IdentityQuestion(BaseModel):
    """One question; `id` is shared by the translations of the same question."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    category: str
    language: str
    question: str

    @property
    def key(self) -> str:
        """Unique within a question set: the pair id plus the language."""
        return f"{self.id}/{self.language}"


def builtin_questions() -> list[IdentityQuestion]:
    text = resources.files("distillscope.data").joinpath("ice", BUILTIN_NAME).read_text(encoding="utf-8")
    return parse_questions(text, f"distillscope/data/ice/{BUILTIN_NAME}")


def load_questions(path: Path | str) -> list[IdentityQuestion]:
    path = Path(path)
    return parse_questions(read_text(path, "a CSV of identity questions"), path)


def parse_questions(text: str, path: Path | str) -> list[IdentityQuestion]:
    reader = csv.DictReader(StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}", path=path, line=1, hint=f"expected columns: {', '.join(COLUMNS)}"
        )
    questions: list[IdentityQuestion] = []
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        values = {c: (row.get(c) or "").strip() for c in COLUMNS}
        empty = [c for c in COLUMNS if not values[c]]
        if empty:
            raise InputError(f"empty {', '.join(empty)}", path=path, line=line, hint="every row needs all four columns")
        if values["category"] not in CATEGORIES:
            raise InputError(
                f"unknown category {values['category']!r}", path=path, line=line, hint=f"expected one of: {_cats()}"
            )
        question = IdentityQuestion(**values)
        if question.key in seen:
            raise InputError(
                f"duplicate question id {question.id!r} for language {question.language!r}", path=path, line=line
            )
        seen.add(question.key)
        questions.append(question)
    if not questions:
        raise InputError("no questions in file", path=path, hint=f"expected CSV rows with columns {', '.join(COLUMNS)}")
    return questions


def select_questions(
    questions: Sequence[IdentityQuestion],
    languages: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
    per_category: int | None = None,
) -> list[IdentityQuestion]:
    """The questions a run asks: filtered by language and category, the first `per_category` pair ids of each.

    Taking whole pair ids keeps the English and Chinese halves of a run asking the same questions.
    """
    wanted_languages = set(languages) if languages else None
    wanted_categories = set(categories) if categories else None
    kept = [
        q
        for q in questions
        if (wanted_languages is None or q.language in wanted_languages)
        and (wanted_categories is None or q.category in wanted_categories)
    ]
    if per_category is not None:
        allowed: dict[str, list[str]] = {}
        for q in kept:
            ids = allowed.setdefault(q.category, [])
            if q.id not in ids and len(ids) < per_category:
                ids.append(q.id)
        kept = [q for q in kept if q.id in allowed.get(q.category, [])]
    return kept


def check_selection(selected: Sequence[IdentityQuestion], languages: Iterable[str] | None) -> None:
    if not selected:
        wanted = ", ".join(languages or []) or "any"
        raise InputError(
            f"no identity questions left for languages {wanted}", hint="check --languages and the questions file"
        )


def _cats() -> str:
    return ", ".join(CATEGORIES)
