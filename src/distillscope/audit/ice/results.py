"""ICE results as plain data, and the files they are written to.

`ice-results.json` holds everything (scores, the fuzz statistics, every template and every query),
so a report can be rebuilt from it alone; `ice-queries.csv` has one row per target query with its
labels, for a spreadsheet; `ice-templates.csv` one row per template tried.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from distillscope.fileio.files import read_model_json, write_atomic, write_csv
from distillscope.models.usage import ModelUsage
from distillscope.stats import Estimate

RESULTS_JSON = "ice-results.json"
ICE_RATES = ("loose", "strict", "hard")
QUERIES_CSV = "ice-queries.csv"
TEMPLATES_CSV = "ice-templates.csv"


class ScoreCI(BaseModel):
    """A rate with its 95% interval: `positives` of `n` judged responses."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    positives: int

    @classmethod
    def of(cls, estimate: Estimate, positives: int) -> ScoreCI:
        if estimate.n == 0:
            return cls(value=None, low=None, high=None, n=0, positives=positives)
        return cls(value=estimate.value, low=estimate.low, high=estimate.high, n=estimate.n, positives=positives)

    def __str__(self) -> str:
        if self.value is None:
            return "n/a"
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


class GroupCount(BaseModel):
    """Positives within one category (or language)."""

    group: str
    judged: int = 0
    loose: int = 0
    strict: int = 0
    hard: int = 0


class IdentityShare(BaseModel):
    """How many judged responses claimed a family, and their share of all judged responses."""

    family: str
    name: str
    count: int
    share: float
    is_target: bool = False
    is_source: bool = False


class ICEScores(BaseModel):
    queries: int = Field(description="Target queries made.")
    failed: int = Field(description="Queries whose call failed: no response to judge.")
    unparseable: int = Field(description="Responses whose verdict could not be read; left out of every score.")
    judged: int = Field(description="Responses with a verdict: the denominator of every score.")
    loose: ScoreCI
    strict: ScoreCI
    hard: ScoreCI
    prompts_naming_source: int = Field(description="Judged queries whose prompt itself named a source family.")
    categories: list[GroupCount]
    languages: list[GroupCount]
    identities: list[IdentityShare]


class ICEScore(BaseModel):
    """One target's ICE rates with Wilson CIs, and what they were computed over: an audit's summary."""

    loose: ScoreCI
    strict: ScoreCI
    hard: ScoreCI
    queries: int
    judged: int
    identities: str = Field(description="The identities claimed, in words.")

    def rate(self, name: str) -> ScoreCI:
        return {"loose": self.loose, "strict": self.strict, "hard": self.hard}[name]


class ICEQuery(BaseModel):
    """One target query: the template and question that made it, the response and its labels."""

    target: str
    iteration: int | None = None
    template_id: str = ""
    parent_id: str | None = None
    root_template: str = ""
    depth: int | None = None
    operator: str | None = None
    question_id: str = ""
    category: str = ""
    language: str = ""
    prompt: str = ""
    response: str | None = None
    error: str | None = None
    judged: bool = False
    loose: bool = False
    strict: bool = False
    hard: bool = False
    prompt_names_source: bool = False
    claimed_families: list[str] = Field(default_factory=list)
    label: str | None = None
    reason: str = ""


class TemplateResult(BaseModel):
    id: str
    parent: str | None
    root: str
    depth: int
    style: str = ""
    operator: str | None
    iteration: int | None
    in_pool: bool
    visits: int
    reward: float
    successes: int
    judged: int
    success_rate: float | None
    placeholders_found: int | None = Field(None, description="Placeholders the raw mutant had (1 is right).")
    repaired: bool
    cleaning: list[str]
    text: str


class FuzzStats(BaseModel):
    iterations: int
    queries: int
    mutants: int
    mutants_repaired: int = Field(description="Mutants whose placeholder was missing or repeated.")
    mutants_cleaned: int = Field(description="Mutants that had a preamble, fence, label or quotes stripped.")
    mutator_failures: int = Field(description="Iterations whose mutator call failed (the parent was reused).")
    stop_reason: str | None
    resumed_at: list[int] = Field(default_factory=list)


class ICETargetResult(BaseModel):
    target: str
    facts: str = Field(description="The family id whose facts are the target's true identity.")
    facts_name: str
    sources: list[str]
    judge: str
    mutator: str
    policy: str
    seed: int
    job_key: str
    scores: ICEScores
    fuzz: FuzzStats
    templates: list[TemplateResult]
    queries: list[ICEQuery]
    usage: list[ModelUsage] = Field(default_factory=list)


class ICEResults(BaseModel):
    run_id: str | None = None
    targets: list[ICETargetResult]
    config: dict[str, Any] = Field(default_factory=dict, description="The job, as run.")
    usage: list[ModelUsage] = Field(default_factory=list, description="Calls, cache hits and cost per model.")


QUERY_COLUMNS = [
    "target",
    "iteration",
    "template_id",
    "parent_id",
    "root_template",
    "depth",
    "operator",
    "question_id",
    "category",
    "language",
    "prompt",
    "response",
    "error",
    "judged",
    "loose",
    "strict",
    "hard",
    "prompt_names_source",
    "claimed_families",
    "label",
    "reason",
]
TEMPLATE_COLUMNS = [
    "target",
    "id",
    "parent",
    "root",
    "depth",
    "style",
    "operator",
    "iteration",
    "in_pool",
    "visits",
    "reward",
    "successes",
    "judged",
    "success_rate",
    "placeholders_found",
    "repaired",
    "cleaning",
    "text",
]


def write_results(results: ICEResults, out_dir: Path | str) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / RESULTS_JSON, out / QUERIES_CSV, out / TEMPLATES_CSV]
    write_atomic(paths[0], results.model_dump_json(indent=2))
    queries = [q for t in results.targets for q in t.queries]
    write_queries_csv(queries, paths[1])
    rows = [{"target": t.target, **tpl.model_dump()} for t in results.targets for tpl in t.templates]
    write_csv(paths[2], [_cells(row) for row in rows], TEMPLATE_COLUMNS)
    return paths


def write_queries_csv(queries: list[ICEQuery], path: Path | str) -> None:
    write_csv(Path(path), [_cells(q.model_dump()) for q in queries], QUERY_COLUMNS)


def load_results(path: Path | str) -> ICEResults:
    """Results from an `ice-results.json` file, or from the folder that holds one."""
    return read_model_json(ICEResults, path, RESULTS_JSON, "ICE results")


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _cell(value) for key, value in row.items()}


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value
