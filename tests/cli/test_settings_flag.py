"""`--set KEY=VALUE` reaches every setting the YAML can hold, and reads the same as the YAML."""

from __future__ import annotations

import pytest

from distillscope.audit.job import AuditJob
from distillscope.audit.verdict.settings import VerdictSettings
from distillscope.cli.common import dotted_settings, load_job, with_settings
from distillscope.errors import InputError

BASE = {"reference": "openai:gpt-4o", "targets": ["openai:gpt-4o-mini"]}
# A value other than the default for each field of the verdict's settings.
VERDICT_VALUES = {
    "alpha": ("0.01", 0.01),
    "min_share": ("0.3", 0.3),
    "calibration": ("{kind: learned, xs: [0, 1], ys: [0, 1], rmse: 0.05}", None),
    "sequential": ("true", True),
    "beta": ("0.1", 0.1),
    "min_rate_gain": ("0.2", 0.2),
    "methods": ("[ice, markers]", ["ice", "markers"]),
    "seed": ("7", 7),
}


def test_every_verdict_setting_has_a_value_here():
    assert set(VERDICT_VALUES) == set(VerdictSettings.model_fields)


@pytest.mark.parametrize("field", sorted(VERDICT_VALUES))
def test_each_verdict_setting_from_the_flag_reads_as_from_the_yaml(field, tmp_path):
    text, expected = VERDICT_VALUES[field]
    from_flag = load_job(None, AuditJob, with_settings(dict(BASE), [f"verdict.{field}={text}"]))
    config = tmp_path / "audit.yaml"
    config.write_text(f"verdict:\n  {field}: {text}\n", encoding="utf-8")
    from_yaml = load_job(config, AuditJob, dict(BASE))
    assert from_flag.verdict == from_yaml.verdict
    assert from_flag.verdict != VerdictSettings()
    if expected is not None:
        assert getattr(from_flag.verdict, field) == expected


def test_a_method_setting_and_a_named_flag_together():
    flags = dict(BASE, verdict={"alpha": 0.01}, rse={"sample": 5})
    job = load_job(None, AuditJob, with_settings(flags, ["verdict.min_share=0.4", "rse.sample=50", "ice.budget=3"]))
    assert (job.verdict.alpha, job.verdict.min_share) == (0.01, 0.4)
    assert job.section("rse").sample == 50 and job.section("ice").budget == 3


def test_a_bad_set_is_one_clear_error(cli):
    result = cli("audit", "--reference", "openai:gpt-4o", "--targets", "openai:gpt-4o-mini", "--set", "verdict.alpha")
    assert result.exit_code == 2
    assert "expected KEY=VALUE" in result.stderr and "Traceback" not in result.stderr
    out_of_range = cli(
        "audit", "--reference", "openai:a", "--targets", "openai:b", "--set", "verdict.alpha=0.9", "--dry-run"
    )
    assert out_of_range.exit_code == 2 and "verdict.alpha" in out_of_range.stderr


def test_dotted_settings_nest_and_refuse_a_key_that_is_both_value_and_section():
    assert dotted_settings(["a.b=1", "a.c=x"]) == {"a": {"b": 1, "c": "x"}}
    with pytest.raises(InputError):
        dotted_settings(["a=1", "a.b=2"])
