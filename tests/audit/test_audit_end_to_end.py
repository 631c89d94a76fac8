"""`distillscope audit` on real tiny models, from the command line: dry run, run, rerun, report rebuild.

The reference is the toy chat model served by `transformers serve`, behind a proxy that counts every
request, so "no call" and "0 new calls" are checked on the wire. The targets are the same weights
through `hf:` sampled hot (an inline models entry) and an untrained tiny model: the first must come
out more similar to the reference than the second.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from distillscope.audit.results import load_results
from distillscope.fileio.jsonl import write_jsonl
from distillscope.store import RunStore
from doubles.proxy import FaultProxy
from doubles.toy import TOY_PROMPTS

FAMILIES = """families:
  toyworld:
    names: [Toy]
    developer: Toy Lab
"""
ICE_BUDGET = 10  # two iterations of the five questions (one per category, English)


@pytest.fixture
def proxy(server):
    with FaultProxy(f"http://127.0.0.1:{server.port}") as running:
        yield running


@pytest.fixture
def audit_config(tmp_path, proxy, server, toy_model_dir, untrained_student_dir) -> Path:
    prompts = tmp_path / "toy.jsonl"
    write_jsonl(
        prompts,
        [{"id": f"p{i}", "prompt": p, "category": "facts" if i % 2 else "chat"} for i, p in enumerate(TOY_PROMPTS)],
    )
    families = tmp_path / "families.yaml"
    families.write_text(FAMILIES, encoding="utf-8")
    config = tmp_path / "audit.yaml"
    config.write_text(
        f"""title: Toy audit
reference: {{model: "{proxy.url}/v1#{server.model_name}", label: toy teacher, facts: toyworld}}
targets:
  - {{model: toy-hot, label: same weights hot, ground_truth: {{teacher: toy, fraction: 1.0}}}}
  - {{model: "hf:{untrained_student_dir}", label: untrained, ground_truth: {{teacher: none, fraction: 0.0}}}}
families: [{families}]
models:
  toy-hot: {{spec: "hf:{toy_model_dir}", params: {{temperature: 1.0, seed: 0}}}}
rse:
  prompts: [{prompts}]
  judges: [lexical, embedding, style]
  params: {{max_tokens: 16}}
ice:
  budget: {ICE_BUDGET}
  languages: [en]
  per_category: 1
  target_params: {{max_tokens: 16}}
output: {tmp_path / "audit"}
""",
        encoding="utf-8",
    )
    return config


def _planned(stdout: str) -> tuple[int, int, int]:
    match = re.search(r"planned: (\d+) calls, (\d+) in store, (\d+) new", stdout)
    assert match, stdout
    return int(match[1]), int(match[2]), int(match[3])


def test_dry_run_run_rerun_and_report_rebuild(cli, audit_config, proxy, store_path, tmp_path):
    out = tmp_path / "audit"
    responses = 4 * len(TOY_PROMPTS)  # reference, its ceiling sample, and two targets
    planned = responses + 2 * ICE_BUDGET

    dry = cli("audit", "--config", str(audit_config), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert _planned(dry.stdout) == (planned, 0, planned)
    assert proxy.stats.received == 0 and not out.exists()
    assert not store_path.exists() or RunStore(store_path).count_calls() == 0

    run = cli("audit", "--config", str(audit_config))
    assert run.exit_code == 0, run.stderr
    assert proxy.stats.received == 2 * len(TOY_PROMPTS)  # the reference and its ceiling; targets are local
    for text in ("Audit summary", "untrained", "RSE · judge lexical", "RSE · judge embedding", "ICE: identity claims"):
        assert text in run.stdout, run.stdout
    assert f"{out}/report.html" in run.stdout
    for name in ("report.html", "results.json", "summary.csv", "scores.csv", "rse/rse.json", "ice/ice-results.json"):
        assert (out / name).is_file(), name

    results = load_results(out)
    hot, untrained = (s for s in results.summary)
    assert (hot.label, untrained.label) == ("same weights hot", "untrained")
    for judge in ("lexical", "embedding"):
        averages = {s.label: next(r.average for r in s.rse if r.judge == judge) for s in results.summary}
        assert averages["same weights hot"] > averages["untrained"] + 0.1, (judge, averages)
    assert hot.ice is not None and hot.ice.judged == ICE_BUDGET and untrained.ice.judged == ICE_BUDGET
    assert results.sources == ["toyworld"] and results.reference.facts == "toyworld"
    assert results.targets[1].facts == "unknown"  # no known family: judged against the neutral one
    with RunStore(store_path) as store:
        calls = store.count_calls()
        linked = store.run(results.run_id).summary["stages"]
    assert linked == {"rse": results.stage("rse").run_id, "ice": results.stage("ice").run_id}
    with (out / "summary.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["label"] for r in rows] == ["same weights hot", "untrained"]
    assert rows[0]["truth_fraction"] == "1.0" and float(rows[0]["rse_lexical_average"]) == pytest.approx(
        next(r.average for r in hot.rse if r.judge == "lexical")
    )
    assert {"ice_strict", "ice_strict_low", "ice_strict_high"} <= set(rows[0])

    again = cli("audit", "--config", str(audit_config))
    assert again.exit_code == 0, again.stderr
    assert proxy.stats.received == 2 * len(TOY_PROMPTS)
    rerun = json.loads((out / "results.json").read_text(encoding="utf-8"))
    made = sum(u["calls"] for stage in rerun["stages"] for u in stage["usage"])
    answered = sum(u["cached"] for stage in rerun["stages"] for u in stage["usage"])
    assert made == 0 and answered == responses  # ICE's finished fuzz trees are not even re-asked
    with RunStore(store_path) as store:
        assert store.count_calls() == calls
    assert _planned(cli("audit", "--config", str(audit_config), "--dry-run").stdout) == (planned, planned, 0)

    # The report is rebuilt from the files alone, anywhere: the same page as the run wrote.
    moved = tmp_path / "moved"
    shutil.copytree(out, moved)
    (moved / "report.html").unlink()
    rebuilt = cli("report", "--input", str(moved))
    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert (moved / "report.html").read_bytes() == (out / "report.html").read_bytes()
    page = (moved / "report.html").read_text(encoding="utf-8")
    for text in ("same weights hot", "untrained", "toy teacher", "truth: fraction", "ICE strict against RSE"):
        assert text in page

    missing = cli("report", "--input", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "results.json" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
