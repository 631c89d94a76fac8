"""An audit's results as plain data, and the files they are written to.

`results.json` holds the audit's own record: the models, their ground truth, one `Evidence` entry
per method per model (measures with intervals, and the per-item values they came from), each
method's run (run id, time, usage, where its own results are), warnings and versions. Each method's
full results stay in its own folder, in its own format, so nothing is stored twice and each can
still be read by its own tools. The report is built from these files alone.

    DIR/results.json      this model (without the methods' own results)
    DIR/summary.csv       one row per target: ground truth, then each method's columns
    DIR/scores.csv        one row per score: method, judge, score, value, CI, n
    DIR/<method>/         that method's own files (rse/rse.json, ice/ice-results.json, ...)
    DIR/report.html       the self-contained report
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from distillscope.audit.evidence import Evidence
from distillscope.audit.method import METHODS
from distillscope.audit.resolve import AuditedModel
from distillscope.audit.verdict.verdicts import VerdictReport
from distillscope.errors import InputError
from distillscope.fileio.files import read_model_json, write_atomic, write_csv
from distillscope.fileio.paths import inside
from distillscope.models.usage import ModelUsage, total_by_model

RESULTS_FILE, SUMMARY_CSV, SCORES_CSV, REPORT_FILE = "results.json", "summary.csv", "scores.csv", "report.html"


class StageRecord(BaseModel):
    """One method's run inside the audit: its run id in the store, its files, time and usage."""

    name: str = Field(description="The method.")
    run_id: str | None
    results_file: str = Field(description="Its results, relative to the audit folder.")
    seconds: float
    usage: list[ModelUsage] = Field(default_factory=list)


class TargetSummary(BaseModel):
    """One target at a glance: each method's own summary of it, by method name (`summary.rse`)."""

    model: str
    label: str
    ground_truth: dict[str, Any] | None = None
    methods: dict[str, Any] = Field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_"):
            methods = self.__dict__.get("methods") or {}
            if name in methods:
                return methods[name]
            if name in METHODS:
                return None
        return super().__getattr__(name)  # type: ignore[misc]


class AuditResults(BaseModel):
    kind: Literal["audit"] = "audit"
    schema_version: int = 2

    @model_validator(mode="before")
    @classmethod
    def _this_schema(cls, data: Any) -> Any:
        """A file of another schema version fails on its version, not on the first field it lacks."""
        expected = cls.model_fields["schema_version"].default
        if isinstance(data, dict) and data.get("schema_version", expected) != expected:
            raise ValueError(
                f"schema version {data['schema_version']!r} is not the version {expected} this distillscope reads"
            )
        return data

    title: str
    run_id: str = Field(description="The audit's own run id in the store; the methods' runs are in `stages`.")
    created_at: str
    seconds: float = Field(description="Wall-clock time of the whole audit.")
    reference: AuditedModel
    targets: list[AuditedModel]
    sources: list[str] = Field(description="Families a strict ICE positive claims to be.")
    source_names: list[str] = Field(default_factory=list, description="The source families, in words.")
    methods: list[str] = Field(default_factory=list, description="The methods run, in order.")
    evidence: list[Evidence] = Field(default_factory=list, description="One entry per method per model.")
    panel: list[AuditedModel] = Field(default_factory=list, description="The null panel: models known not distilled.")
    candidates: list[AuditedModel] = Field(default_factory=list, description="Other candidate teachers.")
    verdict: VerdictReport | None = Field(None, description="The answer: a verdict per target, with its statistics.")
    stages: list[StageRecord]
    warnings: list[str] = Field(default_factory=list)
    versions: dict[str, str] = Field(default_factory=dict)
    job: dict[str, Any] = Field(default_factory=dict, description="The audit job, as run.")
    raw: dict[str, Any] = Field(default_factory=dict, exclude=True, description="Each method's own results.")

    @model_validator(mode="after")
    def _typed_summaries(self) -> AuditResults:
        """Read each method's summary back as the method's own type (when the method is registered)."""
        for evidence in self.evidence:
            if evidence.method in METHODS and evidence.summary is not None:
                evidence.summary = METHODS.get(evidence.method).read_summary(evidence.summary)
        return self

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

    def evidence_of(self, method: str, model: str, role: str = "target") -> Evidence | None:
        return next((e for e in self.evidence if e.method == method and e.model == model and e.role == role), None)

    def method_evidence(self, method: str, role: str = "target") -> list[Evidence]:
        return [e for e in self.evidence if e.method == method and e.role == role]

    @property
    def summary(self) -> list[TargetSummary]:
        """Each target with every method's summary of it, in the audit's order."""
        out = []
        for target in self.targets:
            found = {
                name: METHODS.get(name).read_summary(evidence.summary)
                for name in self.methods
                if (evidence := self.evidence_of(name, target.model)) is not None
            }
            out.append(
                TargetSummary(model=target.model, label=target.label, ground_truth=target.ground_truth, methods=found)
            )
        return out

    def usage(self) -> list[ModelUsage]:
        """Usage per model over every method's run."""
        return total_by_model(u for stage in self.stages for u in stage.usage)


# ------------------------------------------------------------------------------------------ files
def write_results(results: AuditResults, folder: Path) -> list[Path]:
    """results.json and the two CSV tables; each method's own files are written by its own run."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / RESULTS_FILE, folder / SUMMARY_CSV, folder / SCORES_CSV]
    write_atomic(paths[0], results.model_dump_json(indent=1))
    write_csv(paths[1], summary_lines(results))
    write_csv(paths[2], score_lines(results))
    return paths


def load_results(path: Path | str) -> AuditResults:
    """An audit from its folder (or its results.json), with each method's own results it points at.

    Only files inside the audit folder are read: a results.json is input from elsewhere, and a
    `results_file` of `../../x` or `/etc/x` would make a report read (and show) any file."""
    results = read_model_json(AuditResults, path, RESULTS_FILE, "audit results")
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    for stage in results.stages:
        if stage.name in METHODS and not stage.results_file:  # a method that measured nothing wrote no file
            results.raw[stage.name] = None
        elif stage.name in METHODS:
            results.raw[stage.name] = METHODS.get(stage.name).load(_stage_file(folder, stage.results_file).parent)
    return results


def result_files(path: Path | str) -> list[Path]:
    """Every file a report of this audit reads: its results.json and each method's results file."""
    path = Path(path)
    results_json = path / RESULTS_FILE if path.is_dir() else path
    results = read_model_json(AuditResults, path, RESULTS_FILE, "audit results")
    folder = results_json.parent
    return [results_json, *(_stage_file(folder, s.results_file) for s in results.stages if s.results_file)]


def _stage_file(folder: Path, results_file: str) -> Path:
    if Path(results_file).is_absolute():
        raise InputError(
            f"results_file {results_file!r} is an absolute path",
            path=folder / RESULTS_FILE,
            hint="expected a path inside the audit folder",
        )
    try:
        return inside(folder, *Path(results_file).parts)
    except InputError:
        raise InputError(
            f"results_file {results_file!r} lies outside the audit folder",
            path=folder / RESULTS_FILE,
            hint="expected a path inside the audit folder",
        ) from None


def summary_lines(results: AuditResults) -> list[dict[str, Any]]:
    """One line per target, wide: what a spreadsheet plotting scores against ground truth wants."""
    truth_keys = list(dict.fromkeys(k for t in results.targets for k in (t.ground_truth or {})))
    lines = []
    for target in results.targets:
        line: dict[str, Any] = {"label": target.label, "model": target.model}
        for key in truth_keys:
            line[f"truth_{key}"] = _plain((target.ground_truth or {}).get(key))
        for name in results.methods:
            evidence = results.evidence_of(name, target.model)
            if evidence is not None and name in METHODS:
                line.update(METHODS.get(name).csv_summary(evidence))
        lines.append(line)
    return lines


def score_lines(results: AuditResults) -> list[dict[str, Any]]:
    """Every score, long: one line per target, method, judge and score."""
    lines: list[dict[str, Any]] = []
    for target in results.targets:
        who = {"label": target.label, "model": target.model}
        for name in results.methods:
            evidence = results.evidence_of(name, target.model)
            if evidence is not None and name in METHODS:
                settings = results.job.get(name) or {}
                lines += [{**who, **line} for line in METHODS.get(name).csv_scores(evidence, settings)]
    return lines


def _plain(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
