"""A method registered from inside a test, touching no project file, shows up everywhere an audit shows.

The toy method compares answer lengths: for each prompt, min/max of the target's and the reference's
answer lengths (1 = the same length). It calls models through the run store like a real method, on
replayed recordings, so the test needs no model weights and no server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from distillscope.audit.evidence import Evidence, ItemValues, Measure
from distillscope.audit.method import METHODS, AuditMethod, Hooks, MethodPlan, MethodRun
from distillscope.audit.present import MethodPresenter, ReportSection
from distillscope.audit.resolve import ResolvedAudit
from distillscope.audit.tables import Cell, Table
from distillscope.fileio.jsonl import write_jsonl
from distillscope.models.plan import CallPlan
from distillscope.models.recorded import RecordedModel
from distillscope.models.run import Run
from distillscope.models.spec import get_model

QUESTIONS = ["Why is the sky blue?", "What is a prime number?", "How do vaccines work?"]
ANSWERS = {
    "ref": ["Rayleigh scattering favours short wavelengths.", "A number with two divisors.", "They train immunity."],
    "copy": ["Rayleigh scattering favours short waves.", "A number with two divisors!", "They train immunity!"],
    "chatty": [
        "Well, it is a long story involving physics, air, sunlight and the way our eyes work in daylight.",
        "Prime numbers are whole numbers greater than one that cannot be made by multiplying smaller ones.",
        "Vaccines show the immune system a harmless piece of a germ so that it learns to fight the real one.",
    ],
}


class LengthSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompts: list[str] = QUESTIONS


class LengthMethod(AuditMethod[LengthSettings], MethodPresenter):
    name = "length"
    title = "Answer length (toy)"
    short = "LEN"
    settings_type = LengthSettings
    runs_by_default = False

    def plan(self, audit: ResolvedAudit, settings: LengthSettings, store: Any) -> MethodPlan:
        calls = []
        for model in [audit.reference, *audit.targets]:
            recorded = RecordedModel(get_model(audit.catalog.resolve(model.model)), store)
            plan = CallPlan(model=recorded.name, role="answers", price=recorded.price)
            for prompt in settings.prompts:
                plan.add(prompt, 64, cached=recorded.is_stored(prompt))
            calls.append(plan)
        return MethodPlan(calls=calls, lines=[f"LEN prompts: {len(settings.prompts)}"])

    async def run(
        self, audit: ResolvedAudit, settings: LengthSettings, store: Any, folder: Path | None, hooks: Hooks
    ) -> MethodRun:
        hooks.stage("length answers")
        async with Run(store, "length", settings.model_dump(), audit.catalog) as run:
            lengths = {}
            for model in [audit.reference, *audit.targets]:
                recorded = run.model(model.model)
                lengths[model.model] = [len((await recorded.generate(p)).text) for p in settings.prompts]
        reference = lengths[audit.reference.model]
        evidence = []
        for target in audit.targets:
            ratios = [min(a, b) / max(a, b) for a, b in zip(lengths[target.model], reference, strict=True)]
            evidence.append(
                Evidence(
                    method="length",
                    model=target.model,
                    label=target.label,
                    measures=[Measure(name="ratio", value=sum(ratios) / len(ratios), n=len(ratios))],
                    items=[ItemValues(signal="ratio", kind="score", ids=settings.prompts, values=ratios)],
                )
            )
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "lengths.json").write_text(json.dumps(lengths), encoding="utf-8")
        return MethodRun(evidence, run.id, "lengths.json", run.usage(), raw=lengths)

    def load(self, folder: Path) -> dict[str, list[int]]:
        return json.loads((folder / "lengths.json").read_text(encoding="utf-8"))

    def cli_tables(self, raw: dict[str, list[int]], labels: dict[str, str]) -> list[Table]:
        return [self._table(raw, labels)]

    def report_section(self, results: Any, labels: dict[str, str]) -> ReportSection:
        return ReportSection(tables=[self._table(results.raw["length"], labels)])

    def _table(self, raw: dict[str, list[int]], labels: dict[str, str]) -> Table:
        rows = [[Cell(labels.get(model, model)), *(Cell(str(n)) for n in counts)] for model, counts in raw.items()]
        return Table("Answer lengths in characters", ["model", *QUESTIONS], rows)


@pytest.fixture
def audit_config(tmp_path) -> Path:
    recorded = tmp_path / "answers.jsonl"
    rows = [
        {"model": model, "prompt": question, "response": answer}
        for model, answers in ANSWERS.items()
        for question, answer in zip(QUESTIONS, answers, strict=True)
    ]
    rows += [{"model": "ref", "prompt": q, "response": a} for q, a in zip(QUESTIONS, ANSWERS["ref"], strict=True)]
    write_jsonl(recorded, rows)
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, [{"id": f"q{i}", "prompt": q} for i, q in enumerate(QUESTIONS)])
    config = tmp_path / "audit.yaml"
    config.write_text(
        f"""reference: {{model: "replay:{recorded}#ref", label: reference, facts: openai}}
targets:
  - {{model: "replay:{recorded}#copy", label: copy}}
  - {{model: "replay:{recorded}#chatty", label: chatty}}
methods: [rse, length]
rse: {{prompts: ["{prompts}"], judges: [lexical]}}
length: {{prompts: {json.dumps(QUESTIONS)}}}
output: {tmp_path / "out"}
""",
        encoding="utf-8",
    )
    return config


def test_a_toy_method_appears_in_the_plan_the_run_the_results_the_report_and_the_summary(cli, audit_config, tmp_path):
    out = tmp_path / "out"
    with METHODS.temporary("length", LengthMethod(), help="toy: answer length ratio"):
        dry = cli("audit", "--config", str(audit_config), "--dry-run")
        assert dry.exit_code == 0, dry.stderr
        assert "LEN prompts: 3" in dry.stdout
        assert any(line.count("length") and "answers" in line for line in dry.stdout.splitlines())

        run = cli("audit", "--config", str(audit_config))
        assert run.exit_code == 0, run.stderr
        assert "Answer lengths in characters" in run.stdout and "LEN ratio" in run.stdout
        summary = run.stdout[run.stdout.index("Audit summary") :]
        assert "LEN ratio" in summary and "RSE lexical" in summary

        results = json.loads((out / "results.json").read_text(encoding="utf-8"))
        toy = {e["label"]: e for e in results["evidence"] if e["method"] == "length"}
        assert set(toy) == {"copy", "chatty"}
        assert toy["copy"]["measures"][0]["value"] > 0.9 > toy["chatty"]["measures"][0]["value"]
        assert toy["copy"]["items"][0]["ids"] == QUESTIONS
        assert [s["name"] for s in results["stages"]] == ["rse", "length"]
        assert results["job"]["length"] == {"prompts": QUESTIONS}

        page = (out / "report.html").read_text(encoding="utf-8")
        assert 'id="length"' in page and "Answer length (toy)" in page and "Answers lengths" not in page
        assert "Answer lengths in characters" in page and "LEN ratio" in page

        rebuilt = cli("report", "--input", str(out), "-o", str(tmp_path / "again.html"))
        assert rebuilt.exit_code == 0, rebuilt.stderr
        assert (tmp_path / "again.html").read_bytes() == (out / "report.html").read_bytes()
    assert "length" not in METHODS


def test_an_unregistered_method_is_refused_with_its_line(cli, audit_config):
    result = cli("audit", "--config", str(audit_config), "--dry-run")
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert f"{audit_config}:5: methods: Value error, unknown audit method 'length'; known: " in result.stderr

    without_methods = audit_config.read_text(encoding="utf-8").replace("methods: [rse, length]\n", "")
    audit_config.write_text(without_methods, encoding="utf-8")
    result = cli("audit", "--config", str(audit_config), "--dry-run")
    assert result.exit_code == 2
    assert f"{audit_config}:6: length: Extra inputs are not permitted" in result.stderr
    assert "expected one of:" in result.stderr and "rse" in result.stderr
