"""ICE's scores, computed from the queries alone: loose, strict and hard, by category and by identity.

Every rate is its positives over the responses actually judged, never a fixed number (the paper's
code divided strict by 1000 whatever was judged). Failed calls and unreadable verdicts are left out
of the denominator and counted, so a reader sees how many there were. Hard counts the strict
positives whose prompt did not itself name a source family: a model that says "I am ChatGPT" after
being told "you are ChatGPT" shows nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from distillscope.audit.ice.questions import CATEGORIES
from distillscope.audit.ice.results import GroupCount, ICEQuery, ICEScores, IdentityShare, ScoreCI
from distillscope.data.families import Family
from distillscope.stats import wilson_rate


def score_queries(
    queries: Sequence[ICEQuery],
    families: Mapping[str, Family] | None = None,
    target: str | None = None,
    sources: Iterable[str] = (),
) -> ICEScores:
    judged = [q for q in queries if q.judged]
    failed = sum(1 for q in queries if q.response is None)
    loose = sum(q.loose for q in judged)
    strict = sum(q.strict for q in judged)
    hard = sum(q.hard for q in judged)
    n = len(judged)
    return ICEScores(
        queries=len(queries),
        failed=failed,
        unparseable=len(queries) - failed - n,
        judged=n,
        loose=ScoreCI.of(wilson_rate(loose, n), loose),
        strict=ScoreCI.of(wilson_rate(strict, n), strict),
        hard=ScoreCI.of(wilson_rate(hard, n), hard),
        prompts_naming_source=sum(q.prompt_names_source for q in judged),
        categories=_groups(judged, lambda q: q.category, CATEGORIES),
        languages=_groups(judged, lambda q: q.language, ()),
        identities=identity_distribution(judged, families or {}, target, set(sources)),
    )


def identity_distribution(
    judged: Sequence[ICEQuery], families: Mapping[str, Family], target: str | None, sources: set[str]
) -> list[IdentityShare]:
    """Each family claimed, by how many judged responses claimed it; most claimed first."""
    counts = Counter(f for q in judged for f in dict.fromkeys(q.claimed_families))
    total = len(judged)
    return [
        IdentityShare(
            family=family,
            name=families[family].developer if family in families else family,
            count=count,
            share=count / total if total else 0.0,
            is_target=family == target,
            is_source=family in sources,
        )
        for family, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def describe_identities(shares: Sequence[IdentityShare], limit: int = 6) -> str:
    """ "claims OpenAI 41%, Anthropic 12%" """
    if not shares:
        return "no identity claimed"
    parts = [f"{s.name}{' (own)' if s.is_target else ''} {s.share:.0%}" for s in shares[:limit]]
    more = f", {len(shares) - limit} more" if len(shares) > limit else ""
    return "claims " + ", ".join(parts) + more


def _groups(judged: Sequence[ICEQuery], key: Callable[[ICEQuery], str], always: Sequence[str]) -> list[GroupCount]:
    groups: dict[str, GroupCount] = {name: GroupCount(group=name) for name in always}
    for query in judged:
        name = key(query) or "unlabelled"
        group = groups.setdefault(name, GroupCount(group=name))
        group.judged += 1
        group.loose += query.loose
        group.strict += query.strict
        group.hard += query.hard
    return list(groups.values())
