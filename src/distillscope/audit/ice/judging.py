"""Identity judges behind one interface, and re-judging responses collected by any tool.

`rules` is the offline judge; any model spec is the LLM judge; `rules+SPEC` is the rule judge with the
LLM judge re-judging the answers in which the rules read an identity statement (`rejudge.py`). All
return `Judgment`s whose details carry `loose`, `strict` and `claimed_families`, so the fuzzer and the scores never ask
which one ran. Both read the question each response answered, when there is one: an answer that
fills the question's slot ("Which team developed your code?" → "Northwind did") is a claim.
`judge_file` applies either to a JSONL file of responses, so ICE's judges and scores work on data
that ICE did not collect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from distillscope.audit.ice.results import ICEQuery, ICEScores
from distillscope.audit.ice.scores import score_queries
from distillscope.data.families import Family, get_family, with_builtins
from distillscope.errors import InputError
from distillscope.fileio.files import streamed_output
from distillscope.fileio.jsonl import read_jsonl, write_record
from distillscope.fileio.paths import check_output_file
from distillscope.judges.base import Judgment
from distillscope.judges.identity.llm import IdentityLLMJudge
from distillscope.judges.identity.rejudge import RejudgedIdentityJudge, rejudge_spec
from distillscope.judges.identity.rules import FamilyMatcher, IdentityRuleJudge
from distillscope.models.catalog import ModelCatalog
from distillscope.models.run import Run
from distillscope.models.usage import ModelUsage
from distillscope.store import RunStore

RULES = "rules"
_OPTIONAL_TEXT = ("prompt", "question", "category", "language")


class IdentityJudge(Protocol):
    @property
    def name(self) -> str: ...

    async def judge_many(
        self, responses: Sequence[str], prompts: Sequence[str | None] | None = None
    ) -> list[Judgment]: ...


def make_identity_judge(
    spec: str,
    run: Run,
    families: Mapping[str, Family],
    target: str,
    sources: Sequence[str],
) -> IdentityJudge:
    if spec == RULES:
        return IdentityRuleJudge(families, target, sources)
    llm_spec = rejudge_spec(spec)
    if llm_spec is not None:
        llm = IdentityLLMJudge(run.model(llm_spec), families, target, sources)
        return RejudgedIdentityJudge(IdentityRuleJudge(families, target, sources), llm)
    return IdentityLLMJudge(run.model(spec), families, target, sources)


def source_matcher(families: Mapping[str, Family], sources: Sequence[str], target: str) -> FamilyMatcher:
    """Finds the source families (other than the target's own) named in a prompt."""
    return FamilyMatcher({s: families[s] for s in sources if s != target})


@dataclass
class JudgeFileSummary:
    output_path: Path
    run_id: str
    judge: str
    lines: int
    scores: ICEScores
    usage: list[ModelUsage]


async def judge_file(
    input_path: Path,
    output_path: Path,
    *,
    target: str,
    store: RunStore,
    sources: Sequence[str] = ("openai", "anthropic"),
    judge: str = RULES,
    families: Mapping[str, Family] | None = None,
    catalog: ModelCatalog | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[Any], None] | None = None,
) -> JudgeFileSummary:
    """Judge every `{"response": ...}` line; write each line back with its labels; score them all."""
    families = with_builtins(dict(families or {}))
    target = get_family(target, families).id
    source_ids = [get_family(s, families).id for s in sources]
    records = _read_responses(input_path)
    check_output_file(output_path, inputs=[input_path])  # before any judge call
    if on_start is not None:
        on_start(len(records))
    matcher = source_matcher(families, source_ids, target)
    job = {"input": str(input_path), "target": target, "sources": source_ids, "judge": judge}
    async with Run(store, "ice judge", job, catalog) as run:
        identity_judge = make_identity_judge(judge, run, families, target, source_ids)
        judgments = await identity_judge.judge_many(
            [r["response"] for _, r in records], [r.get("question") or r.get("prompt") for _, r in records]
        )
        queries = []
        with streamed_output(output_path) as sink:
            for (line, record), judgment in zip(records, judgments, strict=True):
                query = _query(record, line, judgment, target, matcher)
                queries.append(query)
                write_record(sink, {**record, **_labels(query), "judge": identity_judge.name})
                if on_result is not None:
                    on_result(judgment)
    scores = score_queries(queries, families, target, source_ids)
    return JudgeFileSummary(output_path, run.id, identity_judge.name, len(records), scores, run.usage())


def _read_responses(path: Path) -> list[tuple[int, dict[str, Any]]]:
    records = []
    for line, record in read_jsonl(path):
        if not isinstance(record.get("response"), str):
            raise InputError(
                "no response", path=path, line=line, hint='expected {"response": "...", "prompt": "..." (optional)}'
            )
        for key in _OPTIONAL_TEXT:
            if key in record and not isinstance(record[key], str):
                raise InputError(f"{key!r} must be a string", path=path, line=line)
        records.append((line, record))
    if not records:
        raise InputError("no responses in file", path=path, hint='expected JSONL lines like {"response": "..."}')
    return records


def _query(record: dict[str, Any], line: int, judgment: Judgment, target: str, matcher: FamilyMatcher) -> ICEQuery:
    prompt = record.get("prompt") or record.get("question") or ""
    names_source = bool(matcher.find(prompt))
    query = ICEQuery(
        target=target,
        question_id=str(record.get("id", line)),
        category=record.get("category") or "",
        language=record.get("language") or "",
        prompt=prompt,
        response=record["response"],
        prompt_names_source=names_source,
        reason=judgment.reason,
        label="unparseable" if not judgment.parsed else judgment.label,
    )
    if judgment.parsed:
        query.judged = True
        query.loose = bool(judgment.details.get("loose"))
        query.strict = bool(judgment.details.get("strict"))
        query.hard = query.strict and not names_source
        query.claimed_families = list(judgment.details.get("claimed_families") or [])
    return query


def _labels(query: ICEQuery) -> dict[str, Any]:
    return query.model_dump(
        include={"judged", "loose", "strict", "hard", "prompt_names_source", "claimed_families", "label", "reason"}
    )
