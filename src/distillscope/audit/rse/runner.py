"""`run_rse`: responses, judgments, scores, in one resumable run.

    results = await run_rse(RSEJob(reference="openai:gpt-4o", targets=["deepseek:deepseek-chat"]), store)
    results.table("embedding").row("deepseek:deepseek-chat").average

Stages report through `on_stage(name)`, then `on_start(total)` and `on_result(item)` per item, which
is what the CLI's progress bar is driven by. Responses and judgments are streamed to the output
folder as they arrive; the tables and CSVs are written when the run ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from distillscope.audit.rse.job import RSEJob
from distillscope.audit.rse.judging import PairRef, build_judges, build_pairs, fit_style_judges
from distillscope.audit.rse.prompts import RSEItem, domains_in_order, load_rse_items
from distillscope.audit.rse.responses import Respondent, ResponseRecord, build_respondents, collect_responses
from distillscope.audit.rse.results import (
    JUDGMENTS_FILE,
    RESPONSES_FILE,
    DomainInfo,
    JudgeInfo,
    JudgeTable,
    RSEResults,
    write_results,
)
from distillscope.audit.rse.scoring import Judged, pair_scores, pick_examples, score_rows, scores_by_key
from distillscope.fileio.files import streamed_output
from distillscope.fileio.jsonl import write_record
from distillscope.fileio.paths import check_output_folder, job_inputs
from distillscope.judges.similarity.agreement import judge_agreement, order_consistency
from distillscope.judges.similarity.base import SimilarityJudge
from distillscope.judges.similarity.llm import LLMSimilarityJudge
from distillscope.judges.similarity.style import StyleJudge
from distillscope.models.run import Run
from distillscope.models.usage import ModelUsage
from distillscope.store import RunStore

StageCallback = Callable[[str], None]
StartCallback = Callable[[int], None]
ResultCallback = Callable[[Any], None]


async def run_rse(
    job: RSEJob,
    store: RunStore,
    on_start: StartCallback | None = None,
    on_result: ResultCallback | None = None,
    on_stage: StageCallback | None = None,
) -> RSEResults:
    items = load_rse_items(job)
    if job.output is not None:  # after the inputs are read, before any call
        check_output_folder(job.output, inputs=[*job_inputs(job), *(source.path for source in job.prompts)])
    async with Run(store, "rse", job.model_dump(mode="json"), job.models) as run:
        respondents = build_respondents(job, run.model)
        built = build_judges(job, run.model, respondents[0].spec, store)  # an unknown judge is refused before any file
        warnings = [*built.warnings, *sampling_warnings(job, respondents)]
        with _streams(job.output) as (responses_sink, judgments_sink):
            _say(on_stage, "responses")
            if on_start is not None:
                on_start(sum(len(items) * len(r.sample_indices) for r in respondents))

            def keep(record: ResponseRecord) -> None:
                if responses_sink is not None:
                    write_record(responses_sink, record.model_dump(mode="json"))

            records = await collect_responses(respondents, items, on_result=on_result, on_record=keep)
            pairs = build_pairs(respondents, items, records)
            warnings += fit_style_judges(built.judges, pairs)
            judged_by = await _judge_all(built.judges, pairs, on_stage, on_start, on_result, judgments_sink)
        usage = run.usage()
    results = assemble_results(
        job=job,
        run_id=run.id,
        items=items,
        respondents=respondents,
        judges=built.judges,
        infos=built.infos,
        pairs=pairs,
        judged_by=judged_by,
        warnings=warnings,
        failed_responses=sum(r.text is None for r in records.values()),
        usage=usage,
    )
    if job.output is not None:
        write_results(results, job.output)
    return results


async def _judge_all(
    judges: Sequence[SimilarityJudge],
    pairs: list[PairRef],
    on_stage: StageCallback | None,
    on_start: StartCallback | None,
    on_result: ResultCallback | None,
    sink: IO[str] | None,
) -> dict[str, Judged]:
    judged_by: dict[str, Judged] = {}
    for judge in judges:
        _say(on_stage, f"judge {judge.name}")
        if on_start is not None:
            on_start(len(pairs))
        judgments = await judge.judge_many([p.pair for p in pairs], on_result=on_result)
        judged_by[judge.name] = list(zip(pairs, judgments, strict=True))
        if sink is not None:
            for ref, judgment in judged_by[judge.name]:
                write_record(
                    sink,
                    {
                        "role": ref.role,
                        "label": ref.label,
                        "uid": ref.uid,
                        "sample_index": ref.sample_index,
                        **judgment.model_dump(mode="json"),
                    },
                )
    return judged_by


def assemble_results(
    *,
    job: RSEJob,
    run_id: str,
    items: Sequence[RSEItem],
    respondents: Sequence[Respondent],
    judges: Sequence[SimilarityJudge],
    infos: list[JudgeInfo],
    pairs: Sequence[PairRef],
    judged_by: dict[str, Judged],
    warnings: list[str],
    failed_responses: int,
    usage: list[ModelUsage],
) -> RSEResults:
    for judge, info in zip(judges, infos, strict=True):
        if isinstance(judge, StyleJudge):
            info.signature_words = list(judge.signature)
    tables = [
        JudgeTable(judge=judge.name, scale=judge.scale, rows=score_rows(respondents, items, judged_by[judge.name]))
        for judge in judges
    ]
    by_judge = {name: {ref.key: j for ref, j in judged} for name, judged in judged_by.items()}
    consistency = [
        found
        for judge in judges
        if isinstance(judge, LLMSimilarityJudge)
        and (found := order_consistency(judge.name, [j for _, j in judged_by[judge.name]])) is not None
    ]
    reference = respondents[0]
    return RSEResults(
        run_id=run_id,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        reference=reference.label,
        reference_spec=reference.spec,
        domains=[DomainInfo(name=d, items=sum(i.domain == d for i in items)) for d in domains_in_order(list(items))],
        judges=infos,
        tables=tables,
        pairs=[score for judged in judged_by.values() for score in pair_scores(judged)],
        examples=pick_examples(pairs, by_judge, job.examples),
        agreement=judge_agreement({name: scores_by_key(judged) for name, judged in judged_by.items()}),
        order_consistency=consistency,
        failed_responses=failed_responses,
        warnings=warnings,
        usage=usage,
        job=job.model_dump(mode="json"),
    )


def sampling_warnings(job: RSEJob, respondents: Sequence[Respondent]) -> list[str]:
    warnings = []
    if job.samples > 1:
        greedy = [r.label for r in respondents if r.role in ("target", "floor") and r.config.temperature == 0]
        if greedy:
            warnings.append(
                f"{job.samples} samples per prompt at temperature 0 for {', '.join(greedy)}: "
                "the samples are likely identical; set a temperature above 0"
            )
    return warnings


def _say(on_stage: StageCallback | None, text: str) -> None:
    if on_stage is not None:
        on_stage(text)


@contextlib.contextmanager
def _streams(folder: Path | None) -> Iterator[tuple[IO[str] | None, IO[str] | None]]:
    if folder is None:
        yield None, None
        return
    with streamed_output(folder / RESPONSES_FILE) as responses, streamed_output(folder / JUDGMENTS_FILE) as judgments:
        yield responses, judgments
