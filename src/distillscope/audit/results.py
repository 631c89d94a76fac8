"""An audit's results as plain data, and the files they are written to.

`results.json` holds the audit's own record (models, ground truth, a per-target summary of every
score, run ids, time, usage, warnings) and points at the RSE and ICE results it summarises, which
stay in their own folders in their own formats, so neither is stored twice and each can still be
read by its own tools. The report is built from these files alone.

    DIR/results.json      this model (without the embedded RSE/ICE results)
    DIR/summary.csv       one row per target: ground truth, RSE averages per judge, ICE rates
    DIR/scores.csv        one row per score: method, judge, domain or rate, value, CI, n
    DIR/rse/              rse.json, rse_scores.csv, rse_pairs.csv, responses.jsonl, judgments.jsonl
    DIR/ice/              ice-results.json, ice-queries.csv, ice-templates.csv
    DIR/report.html       the self-contained report
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from distillscope.audit.ice.results import ICEResults, ScoreCI
from distillscope.audit.ice.results import load_results as load_ice_results
from distillscope.audit.ice.scores import describe_identities
from distillscope.audit.rse.results import RSEResults, ScoreCell
from distillscope.audit.rse.results import load_results as load_rse_results
from distillscope.fileio.files import read_model_json, write_atomic, write_csv

RESULTS_FILE, SUMMARY_CSV, SCORES_CSV, REPORT_FILE = "results.json", "summary.csv", "scores.csv", "report.html"
RSE_FOLDER, ICE_FOLDER = "rse", "ice"
ICE_RATES = ("loose", "strict", "hard")


class AuditedModel(BaseModel):
    """A model as the audit saw it: the string it was named by, its resolved config and identity."""

    model: str = Field(description="As given (spec or alias): the key of its rows in the RSE and ICE results.")
    label: str = Field(description="Display name.")
    spec: str = Field(description="The resolved model spec.")
    config: dict[str, Any] = Field(default_factory=dict, description="Resolved model config (non-default fields).")
    facts: str | None = Field(None, description="Family id of its true identity, as ICE judged it.")
    facts_name: str | None = Field(None, description="That family, in words.")
    ground_truth: dict[str, Any] | None = Field(None, description="What is known of how it was made.")


class RSEScore(BaseModel):
    """One judge's RSE scores of one target: per domain with CIs, and the unweighted average."""

    judge: str
    scale: str
    cells: dict[str, ScoreCell]
    average: float | None


class ICEScore(BaseModel):
    """One target's ICE rates with Wilson CIs, and what they were computed over."""

    loose: ScoreCI
    strict: ScoreCI
    hard: ScoreCI
    queries: int
    judged: int
    identities: str = Field(description="The identities claimed, in words.")

    def rate(self, name: str) -> ScoreCI:
        return {"loose": self.loose, "strict": self.strict, "hard": self.hard}[name]


class TargetSummary(BaseModel):
    model: str
    label: str
    ground_truth: dict[str, Any] | None = None
    rse: list[RSEScore] = Field(default_factory=list)
    ice: ICEScore | None = None


class StageRecord(BaseModel):
    """One method's run inside the audit: its run id in the store, its files, time and usage."""

    name: Literal["rse", "ice"]
    run_id: str | None
    results_file: str = Field(description="Its results, relative to the audit folder.")
    seconds: float
    usage: list[dict[str, Any]] = Field(default_factory=list)


class AuditResults(BaseModel):
    kind: Literal["audit"] = "audit"
    schema_version: int = 1
    title: str
    run_id: str = Field(description="The audit's own run id in the store; the methods' runs are in `stages`.")
    created_at: str
    seconds: float = Field(description="Wall-clock time of the whole audit.")
    reference: AuditedModel
    targets: list[AuditedModel]
    sources: list[str] = Field(description="Families a strict ICE positive claims to be.")
    source_names: list[str] = Field(default_factory=list, description="The source families, in words.")
    summary: list[TargetSummary]
    stages: list[StageRecord]
    warnings: list[str] = Field(default_factory=list)
    versions: dict[str, str] = Field(default_factory=dict)
    job: dict[str, Any] = Field(default_factory=dict, description="The audit job, as run.")
    rse: RSEResults | None = Field(None, exclude=True, description="The RSE results, loaded from their file.")
    ice: ICEResults | None = Field(None, exclude=True, description="The ICE results, loaded from their file.")

    def stage(self, name: str) -> StageRecord:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(f"no {name} stage in this audit")

    def target(self, model: str) -> AuditedModel:
        for target in self.targets:
            if target.model == model:
                return target
        raise KeyError(f"no target {model!r} in this audit")


# ---------------------------------------------------------------------------------------- summary
def summarize(targets: Sequence[AuditedModel], rse: RSEResults, ice: ICEResults) -> list[TargetSummary]:
    """Each target's scores, found by the model string it was given to RSE and ICE under."""
    by_target = {t.target: t for t in ice.targets}
    summaries = []
    for target in targets:
        scores = []
        for table in rse.tables:
            try:
                row = table.row(target.model)
            except KeyError:
                continue
            scores.append(
                RSEScore(judge=table.judge, scale=table.scale.describe(), cells=row.cells, average=row.average)
            )
        found = by_target.get(target.model)
        ice_score = None
        if found is not None:
            s = found.scores
            ice_score = ICEScore(
                loose=s.loose,
                strict=s.strict,
                hard=s.hard,
                queries=s.queries,
                judged=s.judged,
                identities=describe_identities(s.identities),
            )
        summaries.append(
            TargetSummary(
                model=target.model, label=target.label, ground_truth=target.ground_truth, rse=scores, ice=ice_score
            )
        )
    return summaries


def combined_usage(stages: Iterable[StageRecord]) -> list[dict[str, Any]]:
    """Usage per model over all stages; a cost is unknown if any stage's is."""
    totals: dict[str, dict[str, Any]] = {}
    counted = ("calls", "cached", "errors", "retries", "prompt_tokens", "completion_tokens")
    for stage in stages:
        for usage in stage.usage:
            total = totals.setdefault(usage["model"], {"model": usage["model"], **dict.fromkeys(counted, 0)})
            total["cost_usd"] = total.get("cost_usd", 0.0)
            for key in counted:
                total[key] += int(usage.get(key) or 0)
            cost = usage.get("cost_usd")
            total["cost_usd"] = None if cost is None or total["cost_usd"] is None else total["cost_usd"] + cost
    return list(totals.values())


# ------------------------------------------------------------------------------------------ files
def write_results(results: AuditResults, folder: Path) -> list[Path]:
    """results.json and the two CSV tables; the RSE and ICE files are written by their own runs."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / RESULTS_FILE, folder / SUMMARY_CSV, folder / SCORES_CSV]
    write_atomic(paths[0], results.model_dump_json(indent=1))
    write_csv(paths[1], summary_lines(results))
    write_csv(paths[2], score_lines(results))
    return paths


def load_results(path: Path | str) -> AuditResults:
    """An audit from its folder (or its results.json), with the RSE and ICE results it points at."""
    results = read_model_json(AuditResults, path, RESULTS_FILE, "audit results")
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    results.rse = load_rse_results(folder / results.stage("rse").results_file)
    results.ice = load_ice_results(folder / results.stage("ice").results_file)
    return results


def summary_lines(results: AuditResults) -> list[dict[str, Any]]:
    """One line per target, wide: what a spreadsheet plotting scores against ground truth wants."""
    truth_keys = list(dict.fromkeys(k for s in results.summary for k in (s.ground_truth or {})))
    lines = []
    for summary in results.summary:
        line: dict[str, Any] = {"label": summary.label, "model": summary.model}
        for key in truth_keys:
            line[f"truth_{key}"] = _plain((summary.ground_truth or {}).get(key))
        for score in summary.rse:
            line[f"rse_{score.judge}_average"] = score.average
            for domain, cell in score.cells.items():
                line[f"rse_{score.judge}_{domain}"] = cell.value
        if summary.ice is not None:
            for name in ICE_RATES:
                rate = summary.ice.rate(name)
                line.update({f"ice_{name}": rate.value, f"ice_{name}_low": rate.low, f"ice_{name}_high": rate.high})
            line["ice_judged"] = summary.ice.judged
        lines.append(line)
    return lines


def score_lines(results: AuditResults) -> list[dict[str, Any]]:
    """Every score, long: one line per target, method, judge and domain (or rate)."""
    lines: list[dict[str, Any]] = []
    for summary in results.summary:
        who = {"label": summary.label, "model": summary.model}
        for score in summary.rse:
            for domain, cell in score.cells.items():
                lines.append(
                    {**who, "method": "rse", "judge": score.judge, "score": domain, "scale": score.scale}
                    | {"value": cell.value, "low": cell.low, "high": cell.high, "n": cell.n}
                )
            lines.append(
                {**who, "method": "rse", "judge": score.judge, "score": "average", "scale": score.scale}
                | {"value": score.average, "low": None, "high": None, "n": None}
            )
        if summary.ice is not None:
            for name in ICE_RATES:
                rate = summary.ice.rate(name)
                lines.append(
                    {**who, "method": "ice", "judge": results.job.get("ice", {}).get("judge", ""), "score": name}
                    | {"scale": "rate, 0–1", "value": rate.value, "low": rate.low, "high": rate.high, "n": rate.n}
                )
    return lines


def _plain(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
