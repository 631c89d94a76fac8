"""RSE results as plain data, and the files they are written to.

Everything a report needs is here, so `distillscope audit` (or anyone) can rebuild tables and
pages from the files alone: the Table-3-like score tables with CIs per judge, every pair's score,
example pairs with both texts and each judge's reason, judge agreement and the warnings.

Files in the output folder:
    rse.json           the whole `RSEResults`
    rse_scores.csv     one line per judge, row (target, ceiling, floor) and domain, plus the average
    rse_pairs.csv      one line per judged pair and judge
    responses.jsonl    every response, written as it arrives
    judgments.jsonl    every judgment, written as it arrives
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from distillscope.fileio.files import read_model_json, write_atomic, write_csv
from distillscope.judges.similarity.agreement import JudgeAgreement, OrderConsistency
from distillscope.judges.similarity.base import JudgeScale
from distillscope.models.types import Message
from distillscope.models.usage import ModelUsage

Role = Literal["reference", "ceiling", "target", "floor"]
RESULTS_FILE, SCORES_CSV, PAIRS_CSV = "rse.json", "rse_scores.csv", "rse_pairs.csv"
RESPONSES_FILE, JUDGMENTS_FILE = "responses.jsonl", "judgments.jsonl"


class ScoreCell(BaseModel):
    """One row's score in one domain: mean over prompts, bootstrap 95% CI, and what was left out."""

    value: float | None = Field(description="Mean of per-prompt scores (samples of a prompt averaged first).")
    low: float | None = Field(description="Bootstrap 95% CI, lower end.")
    high: float | None = Field(description="Bootstrap 95% CI, upper end.")
    n: int = Field(description="Prompts with at least one readable judgment.")
    pairs: int = Field(0, description="Pairs with a readable judgment.")
    unparseable: int = Field(0, description="Pairs the judge's replies gave no readable rating for (excluded).")
    missing: int = Field(0, description="Pairs not judged because a response failed (excluded).")


class ScoreRow(BaseModel):
    label: str
    role: Role
    spec: str
    cells: dict[str, ScoreCell]
    average: float | None = Field(description="Unweighted mean of the domain means, as in the paper.")


class JudgeTable(BaseModel):
    judge: str
    scale: JudgeScale
    rows: list[ScoreRow]

    def row(self, label: str, role: Role = "target") -> ScoreRow:
        for row in self.rows:
            if row.label == label and row.role == role:
                return row
        raise KeyError(f"no {role} row {label!r} for judge {self.judge}")


class RSEScore(BaseModel):
    """One judge's RSE scores of one target: per domain with CIs, and the unweighted average."""

    judge: str
    scale: str
    cells: dict[str, ScoreCell]
    average: float | None


class JudgeInfo(BaseModel):
    name: str
    kind: str = Field(description="The registered judge it is (llm, embedding, lexical, style, ...).")
    scale: JudgeScale
    model: str | None = None
    signature_words: list[str] | None = None


class PairScore(BaseModel):
    judge: str
    role: Role
    label: str
    domain: str
    uid: str
    sample_index: int
    score: float | None
    parsed: bool
    reason: str = ""
    details: dict[str, Any] = Field(default_factory=dict)


class ExampleJudgment(BaseModel):
    judge: str
    score: float | None
    parsed: bool
    reason: str
    details: dict[str, Any] = Field(default_factory=dict)


class Example(BaseModel):
    """One pair in full, for a report: the prompt, both responses and every judge's verdict."""

    role: Role
    label: str
    domain: str
    uid: str
    sample_index: int
    messages: list[Message]
    reference_response: str
    target_response: str
    judgments: list[ExampleJudgment]


class DomainInfo(BaseModel):
    name: str
    items: int


class RSEResults(BaseModel):
    kind: Literal["rse"] = "rse"
    schema_version: int = 1
    run_id: str
    created_at: str
    reference: str
    reference_spec: str
    domains: list[DomainInfo]
    judges: list[JudgeInfo]
    tables: list[JudgeTable]
    pairs: list[PairScore]
    examples: list[Example]
    agreement: list[JudgeAgreement] = Field(default_factory=list)
    order_consistency: list[OrderConsistency] = Field(default_factory=list)
    failed_responses: int = 0
    warnings: list[str] = Field(default_factory=list)
    usage: list[ModelUsage] = Field(default_factory=list)
    job: dict[str, Any] = Field(default_factory=dict)

    def unreadable_judges(self) -> dict[str, int]:
        """Judges that gave no readable rating on any pair, with the pairs they failed on: every score
        of theirs is n/a, so the run produced nothing it was asked for."""
        failed: dict[str, int] = {}
        for table in self.tables:
            cells = [cell for row in table.rows for cell in row.cells.values()]
            unreadable = sum(cell.unparseable for cell in cells)
            if unreadable and not any(cell.pairs for cell in cells):
                failed[table.judge] = unreadable
        return failed

    def table(self, judge: str) -> JudgeTable:
        for table in self.tables:
            if table.judge == judge:
                return table
        raise KeyError(f"no judge {judge!r}; judges: {', '.join(t.judge for t in self.tables)}")


def write_results(results: RSEResults, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / RESULTS_FILE, folder / SCORES_CSV, folder / PAIRS_CSV]
    write_atomic(paths[0], results.model_dump_json(indent=1))
    write_csv(paths[1], score_lines(results))
    write_csv(paths[2], pair_lines(results))
    return paths


def load_results(path: Path | str) -> RSEResults:
    """Results from `rse.json`, or from the folder holding it."""
    return read_model_json(RSEResults, path, RESULTS_FILE, "RSE results")


def score_lines(results: RSEResults) -> list[dict[str, Any]]:
    lines = []
    for table in results.tables:
        for row in table.rows:
            common = {"judge": table.judge, "scale": table.scale.describe(), "model": row.label, "role": row.role}
            for domain, cell in row.cells.items():
                lines.append({**common, "domain": domain, **cell.model_dump()})
            lines.append({**common, "domain": "average", "value": row.average})
    return lines


def pair_lines(results: RSEResults) -> list[dict[str, Any]]:
    return [
        {**pair.model_dump(exclude={"details"}), "details": json.dumps(pair.details, ensure_ascii=False)}
        for pair in results.pairs
    ]
