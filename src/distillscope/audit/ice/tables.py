"""ICE's tables and examples as plain data: the paper's rates with intervals, categories, the fuzzing.

`distillscope ice`, `ice judge`, `audit` and the report show the same tables; they are described
here once and each renderer lays them out its own way.
"""

from __future__ import annotations

from collections.abc import Sequence

from distillscope.audit.ice.questions import CATEGORIES
from distillscope.audit.ice.results import ICE_RATES, ICEQuery, ICEResults, ICEScores, ICETargetResult, ScoreCI
from distillscope.audit.ice.scores import describe_identities
from distillscope.audit.tables import Cell, ExampleGroup, ExampleView, Table, interval, num

EXAMPLE_KINDS = ("strict", "loose", "consistent", "none")
SCORES_TITLE = "ICE: identity claims under fuzzing"


def rate_cell(rate: ScoreCI) -> Cell:
    return Cell(num(rate.value), interval(rate.low, rate.high), f"{rate.positives}/{rate.n}")


def score_table(rows: Sequence[tuple[str, str, ICEScores]], title: str = SCORES_TITLE) -> Table:
    """Laid out like the paper's table: one row per target, loose, strict and hard; here with CIs and n."""
    body = [
        [Cell(name, facts)]
        + [rate_cell(getattr(s, rate)) for rate in ICE_RATES]
        + [Cell(str(s.judged)), Cell(str(s.unparseable)), Cell(str(s.failed)), Cell(str(s.prompts_naming_source))]
        + [Cell(describe_identities(s.identities))]
        for name, facts, s in rows
    ]
    columns = ["target (its facts)", *ICE_RATES, "n judged", "unparseable", "failed", "prompt named a source"]
    return Table(
        title,
        [*columns, "identities claimed"],
        body,
        caption="rate [95% Wilson interval], positives/responses judged; failed calls and unreadable verdicts "
        "are counted, not scored.",
        numeric_from=1,
    )


def category_table(rows: Sequence[tuple[str, ICEScores]]) -> Table:
    categories = list(dict.fromkeys([*CATEGORIES, *(c.group for _, s in rows for c in s.categories)]))
    body = []
    for name, scores in rows:
        groups = {c.group: c for c in scores.categories}
        cells = [
            Cell(f"{g.loose} / {g.strict} / {g.hard}", f"of {g.judged}") if (g := groups.get(c)) else Cell("–")
            for c in categories
        ]
        body.append([Cell(name), *cells])
    return Table(
        "Jailbreak successes by category",
        ["target", *categories],
        body,
        caption="loose / strict / hard positives, of the responses judged in each category.",
    )


def fuzz_table(ice: ICEResults, labels: dict[str, str]) -> Table:
    rows = []
    for t in ice.targets:
        f = t.fuzz
        rows.append(
            [
                Cell(labels.get(t.target, t.target)),
                Cell(str(f.iterations)),
                Cell(str(f.queries)),
                Cell(str(f.mutants)),
                Cell(str(f.mutants_repaired)),
                Cell(str(f.mutants_cleaned)),
                Cell(str(f.mutator_failures)),
                Cell(f.stop_reason or "–", ", ".join(f"resumed at {i}" for i in f.resumed_at)),
                Cell(f"{t.policy} · {t.mutator} · {t.judge}"),
            ]
        )
    return Table(
        "Fuzzing",
        [
            *("target", "iterations", "queries", "mutants", "repaired", "cleaned", "mutator failures"),
            *("stopped by", "policy · mutator · judge"),
        ],
        rows,
        caption="Repaired: the mutant had lost (or repeated) the question placeholder. Cleaned: a preamble, fence "
        "or label was stripped from the mutator's output.",
    )


def all_tables(ice: ICEResults, labels: dict[str, str]) -> list[Table]:
    named = [(labels.get(t.target, t.target), t.facts_name, t.scores) for t in ice.targets]
    return [score_table(named), category_table([(n, s) for n, _, s in named]), fuzz_table(ice, labels)]


# ---------------------------------------------------------------------------------------- examples
def verdict_kind(query: ICEQuery) -> str:
    if query.strict:
        return "strict"
    if query.loose:
        return "loose"
    return "consistent" if query.claimed_families else "none"


def pick_queries(queries: Sequence[ICEQuery], per_kind: int = 2) -> list[ICEQuery]:
    """A few responses of each verdict, strict first, from as many different templates as there are."""
    picked: list[ICEQuery] = []
    for kind in EXAMPLE_KINDS:
        matching = [q for q in queries if q.judged and verdict_kind(q) == kind]
        first_of_template: dict[str, int] = {}
        for index, query in enumerate(matching):
            first_of_template.setdefault(query.template_id, index)
        fresh = sorted(first_of_template.values())
        firsts = set(fresh)
        repeats = [i for i in range(len(matching)) if i not in firsts]
        picked += [matching[i] for i in (fresh + repeats)[:per_kind]]
    return picked


def examples(ice: ICEResults, labels: dict[str, str], per_kind: int = 2) -> list[ExampleGroup]:
    return [_group(t, labels, per_kind) for t in ice.targets]


def _group(target: ICETargetResult, labels: dict[str, str], per_kind: int) -> ExampleGroup:
    name = labels.get(target.target, target.target)
    views = []
    for q in pick_queries(target.queries, per_kind):
        label = verdict_kind(q) + (" · hard" if q.hard else "")
        claimed = ", ".join(q.claimed_families) or "none"
        views.append(
            ExampleView(
                heading=f"{label} · {q.category} · {q.language} · template {q.template_id}"
                + (f" ({q.operator})" if q.operator else ""),
                messages=[],
                left_title="prompt (template with the question)",
                left=q.prompt,
                right_title=f"{name}'s response",
                right=q.response or "",
                verdicts=[(target.judge, f"{label}; claimed: {claimed}", q.reason)],
            )
        )
    return ExampleGroup(name, views)
