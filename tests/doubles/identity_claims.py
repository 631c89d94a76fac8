"""Scoring an identity judge on a labelled set of responses (tests/data/identity_claims.jsonl).

Each item carries its target, its source families, the prompt it answered, and its loose and strict
labels. The judge is built once per (target, sources) pair and sees the prompt as the question's
context, as `ice judge` and the fuzzer give it. Precision and recall come with Wilson intervals and
their n, per class, per language, per split and overall.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillscope.data.families import Family, load_families
from distillscope.judges.base import Judgment
from distillscope.judges.identity.rules import FamilyMatcher, IdentityRuleJudge
from distillscope.stats import Estimate, wilson_rate
from distillscope.zoo.personas import builtin_personas

LABELS = ("loose", "strict", "hard")


def load_identity_claims(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as source:
        return [json.loads(line) for line in source if line.strip()]


def set_families(*extra: Path) -> dict[str, Family]:
    """The built-in families, the zoo's personas, and the set's own invented targets."""
    families = load_families(*extra)
    for persona in builtin_personas().values():
        families.setdefault(persona.id, persona.family())
    return families


Judges = dict[tuple[str, tuple[str, ...]], tuple[IdentityRuleJudge, FamilyMatcher]]


def judge_set(
    items: Sequence[Mapping[str, Any]],
    families: Mapping[str, Family],
    *,
    with_prompts: bool = True,
    judges: Judges | None = None,
) -> list[tuple[Judgment, dict[str, bool]]]:
    """Each item's judgment, and the loose, strict and hard it implies (hard as ICE computes it).

    `judges` keeps the judge of each (target, sources) pair between calls, so timing measures judging.
    """
    judges = {} if judges is None else judges
    results = []
    for item in items:
        key = (item["target"], tuple(item["sources"]))
        if key not in judges:
            sources = FamilyMatcher({s: families[s] for s in item["sources"] if s != item["target"]})
            judges[key] = (IdentityRuleJudge(families, item["target"], item["sources"]), sources)
        judge, sources = judges[key]
        judgment = judge.judge(item["response"], item["prompt"] if with_prompts else None)
        loose, strict = bool(judgment.details.get("loose")), bool(judgment.details.get("strict"))
        hard = strict and not sources.find(item["prompt"])
        results.append((judgment, {"loose": loose, "strict": strict, "hard": hard}))
    return results


@dataclass(frozen=True)
class Agreement:
    true_pos: int
    false_pos: int
    false_neg: int
    true_neg: int

    @property
    def precision(self) -> Estimate:
        return wilson_rate(self.true_pos, self.true_pos + self.false_pos)

    @property
    def recall(self) -> Estimate:
        return wilson_rate(self.true_pos, self.true_pos + self.false_neg)

    @property
    def n(self) -> int:
        return self.true_pos + self.false_pos + self.false_neg + self.true_neg


def agreement(pairs: Iterable[tuple[bool, bool]]) -> Agreement:
    counts = {(True, True): 0, (False, True): 0, (True, False): 0, (False, False): 0}
    for truth, guess in pairs:
        counts[(truth, guess)] += 1
    return Agreement(counts[(True, True)], counts[(False, True)], counts[(True, False)], counts[(False, False)])


def score_by(
    items: Sequence[Mapping[str, Any]],
    guesses: Sequence[Mapping[str, bool]],
    group: Callable[[Mapping[str, Any]], str],
) -> dict[str, dict[str, Agreement]]:
    """Agreement per label, for each group of items (a class, a language, a split, or "overall")."""
    groups: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault(group(item), []).append(index)
    return {
        name: {label: agreement((items[i][label], guesses[i][label]) for i in indices) for label in LABELS}
        for name, indices in sorted(groups.items())
    }


def errors(items: Sequence[Mapping[str, Any]], guesses: Sequence[Mapping[str, bool]], label: str) -> list[int]:
    return [i for i, (item, guess) in enumerate(zip(items, guesses, strict=True)) if item[label] != guess[label]]
