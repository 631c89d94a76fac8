"""The audit's config: YAML and flags say the same things, and names resolve to identities before any call."""

from __future__ import annotations

from pathlib import Path

import pytest

from distillscope.audit.job import AuditJob
from distillscope.audit.method import METHODS
from distillscope.audit.resolve import NEUTRAL_FAMILY, resolve_audit
from distillscope.cli.audit import with_sampling
from distillscope.cli.common import load_job
from distillscope.errors import InputError
from distillscope.models.types import GenerateConfig

CONFIG = """reference: openai:gpt-4o
targets: [deepseek:deepseek-chat, "http://127.0.0.1:9/v1#mystery"]
sources: [openai, anthropic]
rse:
  sets: [general, math]
  sample: 5
  judges: [lexical, style]
ice:
  budget: 40
  judge: rules
  languages: [en]
output: out
"""


def test_the_config_file_and_the_flags_make_the_same_job(tmp_path):
    config = tmp_path / "audit.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    from_file = load_job(config, AuditJob, {})
    from_flags = load_job(
        None,
        AuditJob,
        {
            "reference": "openai:gpt-4o",
            "targets": ["deepseek:deepseek-chat,http://127.0.0.1:9/v1#mystery"],
            "sources": "openai,anthropic",
            "rse": {"sets": "general,math", "sample": 5, "judges": ["lexical", "style"]},
            "ice": {"budget": 40, "judge": "rules", "languages": "en"},
            "output": Path("out"),
        },
    )
    assert from_flags == from_file
    # a flag overrides the file; the rest of the section stays as the file says
    overridden = load_job(config, AuditJob, {"ice": {"budget": 7}})
    assert (overridden.ice.budget, overridden.ice.languages) == (7, ["en"])


def test_sampling_flags_layer_over_both_methods_settings(tmp_path):
    job = AuditJob.model_validate(
        {"reference": "openai:gpt-4o", "targets": ["openai:gpt-4o-mini"], "rse": {"params": {"temperature": 0.3}}}
    )
    tuned = with_sampling(job, GenerateConfig(max_tokens=16))
    assert (tuned.rse.params.temperature, tuned.rse.params.max_tokens) == (0.3, 16)
    assert (tuned.ice.target_params.temperature, tuned.ice.target_params.max_tokens) == (0, 16)


def test_names_resolve_to_facts_sources_and_the_two_method_jobs(tmp_path):
    config = tmp_path / "audit.yaml"
    config.write_text(CONFIG.replace("sources: [openai, anthropic]\n", ""), encoding="utf-8")
    job = load_job(config, AuditJob, {})
    audit = resolve_audit(job)
    assert audit.sources == ["openai"]  # the reference's own family
    assert [t.facts for t in audit.targets] == ["deepseek", NEUTRAL_FAMILY]
    assert any("no known family" in w and "mystery" in w for w in audit.warnings)
    rse = METHODS.get("rse").job_for(audit, job.rse, tmp_path / "rse")
    assert (rse.reference, rse.targets, rse.sample, rse.judges) == (
        "openai:gpt-4o",
        ["deepseek:deepseek-chat", "http://127.0.0.1:9/v1#mystery"],
        5,
        ["lexical", "style"],
    )
    ice = METHODS.get("ice").job_for(audit, job.ice, tmp_path / "ice")
    assert (ice.target, ice.facts, ice.sources, ice.budget) == (
        rse.targets,
        ["deepseek", "unknown"],
        ["openai"],
        40,
    )
    from distillscope.audit.ice import resolve_job

    neutral = resolve_job(ice).families[NEUTRAL_FAMILY]  # what ICE itself will judge against
    assert neutral.names == [] and neutral.developer == "unknown developer"


def test_a_target_of_the_source_family_is_warned_about(tmp_path):
    job = AuditJob.model_validate({"reference": "openai:gpt-4o", "targets": ["openai:gpt-4o-mini"]})
    audit = resolve_audit(job)
    assert audit.targets[0].facts == "openai"
    assert any("source family" in w for w in audit.warnings)


def test_inline_models_are_resolved_into_the_catalog():
    job = AuditJob.model_validate(
        {
            "reference": {"model": "teacher", "facts": "alibaba"},
            "targets": [{"model": "student", "label": "S", "ground_truth": {"fraction": 0.25}}],
            "models": {"teacher": "qwen:qwen-max", "student": {"spec": "hf:./student", "params": {"temperature": 0.7}}},
        }
    )
    audit = resolve_audit(job)
    assert audit.reference.spec == "qwen:qwen-max" and audit.sources == ["alibaba"]
    student = audit.targets[0]
    assert (student.spec, student.config["params"], student.label) == ("hf:./student", {"temperature": 0.7}, "S")
    # Issue 11 replaced the scratch models file with a catalog: the methods get the same configs, no file.
    assert audit.catalog.resolve("student").params.temperature == 0.7
    assert METHODS.get("rse").job_for(audit, job.rse, None).models.resolve("teacher").spec == "qwen:qwen-max"


def test_a_reference_of_no_known_family_needs_sources():
    job = AuditJob.model_validate({"reference": "http://127.0.0.1:9/v1#mine", "targets": ["openai:gpt-4o"]})
    with pytest.raises(InputError, match="--sources"):
        resolve_audit(job)


@pytest.mark.parametrize(
    ("yaml_text", "line", "message"),
    [
        (
            "reference: a\ntargets: [b]\nrse:\n  reference: c\n",
            4,
            "rse.reference: Value error, set at the top level of an audit",
        ),
        (
            "reference: a\ntargets: [b]\nice:\n  budget: 5\n  facts: openai\n",
            5,
            "ice.facts: Value error, set at the top level",
        ),
        ("reference: a\ntargets: [b, b]\n", None, "target 'b' is listed twice"),
        ("reference: a\ntargets: [b]\njudges: [lexical]\n", 3, "judges: Extra inputs are not permitted"),
    ],
)
def test_bad_config_is_one_line_with_its_place(cli, tmp_path, yaml_text, line, message):
    config = tmp_path / "bad.yaml"
    config.write_text(yaml_text, encoding="utf-8")
    result = cli("audit", "--config", str(config), "--dry-run")
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert f"{config}:{line}:" in result.stderr if line else f"{config}" in result.stderr


def test_an_unknown_family_is_a_clear_error(cli):
    result = cli("audit", "--reference", "openai:gpt-4o", "--targets", "openai:gpt-4o-mini", "--sources", "nope")
    assert result.exit_code == 2 and "unknown model family 'nope'" in result.stderr


def test_which_methods_vote_and_which_run_by_default():
    """RSE is reported but does not vote; the teacher classifier runs only for candidates; `--vote` chooses."""
    from distillscope.audit.method import voting_methods

    job = AuditJob(reference="openai:gpt-4o", targets=["deepseek:deepseek-chat"], panel=["a:b", "c:d"])
    assert job.selected_methods() == ["rse", "ice", "proximity", "classifier", "markers"]
    assert voting_methods(job.selected_methods(), None) == ["ice", "proximity", "classifier", "markers"]
    with_candidate = job.model_copy(update={"candidates": job.panel[:1]})
    assert "teachers" in with_candidate.selected_methods()
    chosen = AuditJob(
        reference="openai:gpt-4o", targets=["deepseek:deepseek-chat"], verdict={"methods": "rse, proximity"}
    )
    assert voting_methods(["rse", "ice", "proximity"], chosen.verdict.methods) == ["rse", "proximity"]
    with pytest.raises(InputError, match="rsee"):
        load_job(None, AuditJob, {"reference": "openai:gpt-4o", "targets": ["x:y"], "verdict": {"methods": "rsee"}})
