"""The report's own rows (models, usage, run facts) carry the user's specs, which may hold a URL's
credentials: the page must show the model, never the password or the key."""

from __future__ import annotations

from distillscope.audit.report.view import models_table, run_facts, usage_table
from distillscope.audit.results import AuditedModel, AuditResults, StageRecord
from distillscope.models.usage import ModelUsage

PASSWORD, QUERY_KEY = "pw-91c3e7a5d2", "qk-6b0d8f2a4c"


def _results() -> AuditResults:
    reference = AuditedModel(
        model="ref", label="R", spec=f"http://alice:{PASSWORD}@127.0.0.1:9/v1#gpt", config={"base_url": "x"}
    )
    target = AuditedModel(
        model="t", label="T", spec=f"http://127.0.0.1:9/v1?api_key={QUERY_KEY}#m", config={"temperature": 0.2}
    )
    usage = [ModelUsage(model=target.spec, calls=1), ModelUsage(model=reference.spec, calls=2)]
    return AuditResults(
        title="t", run_id="r", created_at="now", seconds=1.0, reference=reference, targets=[target], sources=[],
        stages=[StageRecord(name="rse", run_id="s", results_file="rse/results.json", seconds=1.0, usage=usage)],
    )  # fmt: skip


def test_specs_in_the_report_rows_lose_their_credentials_but_keep_the_model():
    results = _results()
    cells = [cell.text for row in models_table(results, {}).rows for cell in row]
    facts = [value for _, value in run_facts(results, {})]
    usage = [cell.text for row in usage_table(results).rows for cell in row]
    shown = " ".join(cells + facts + usage)
    assert PASSWORD not in shown and QUERY_KEY not in shown
    assert "127.0.0.1:9/v1#gpt" in shown and "[redacted]" in shown
