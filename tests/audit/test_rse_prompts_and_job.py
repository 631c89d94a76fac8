"""RSE's prompt sets and job config: built-in sets, user files with domains, flags and YAML alike."""

from __future__ import annotations

import re

import pytest

from distillscope.audit.rse.job import JudgeSpec, RSEJob
from distillscope.audit.rse.prompts import domains_in_order, load_rse_items
from distillscope.audit.rse.responses import build_respondents, ceiling_config
from distillscope.cli.common import load_job
from distillscope.data.rse_sets import BUILTIN_SETS, load_builtin_set
from distillscope.errors import InputError
from distillscope.fileio.jsonl import write_jsonl
from distillscope.models.config import ModelConfig
from distillscope.models.types import GenerateConfig

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("name", list(BUILTIN_SETS))
def test_builtin_sets_are_large_enough_and_bilingual(name):
    items = load_builtin_set(name)
    assert len(items) >= 40 and len({i.id for i in items}) == len(items)
    chinese = sum(bool(CJK.search(i.prompt)) for i in items)
    assert 0.25 * len(items) <= chinese <= 0.75 * len(items)
    assert all(i.domain == name and i.category for i in items)


def test_math_set_has_answers_and_instructions_keep_whole_conversations():
    assert all(i.answer for i in load_builtin_set("math"))
    conversations = load_builtin_set("instructions")
    multi_turn = [i for i in conversations if len(i.messages) >= 3]
    assert len(multi_turn) >= 25
    for item in multi_turn:
        roles = [m.role for m in item.messages]
        assert roles[-1] == "user" and roles == ["user", "assistant"] * (len(roles) // 2) + ["user"]
        assert item.reference is None  # each conversation ends on the user's turn: the models answer it


def test_sample_is_seeded_and_per_set():
    job = RSEJob(reference="r:x", targets=["t:y"], sample=5, seed=3)
    first, again = load_rse_items(job), load_rse_items(job)
    assert [i.uid for i in first] == [i.uid for i in again]
    assert domains_in_order(first) == ["general", "math", "instructions"] and len(first) == 15
    other_seed = load_rse_items(job.model_copy(update={"seed": 4}))
    assert [i.uid for i in other_seed] != [i.uid for i in first]


def test_user_files_take_their_domain_from_the_flag_the_category_or_the_name(tmp_path):
    zoo = tmp_path / "zoo_sets.jsonl"
    write_jsonl(
        zoo,
        [
            {"id": "a", "prompt": "p1", "category": "persona"},
            {"id": "b", "prompt": "p2", "category": "recipes"},
            {"id": "c", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]},
        ],
    )
    job = RSEJob(reference="r:x", targets=["t:y"], prompts=[str(zoo), f"named={zoo}"])
    items = load_rse_items(job)
    assert [i.domain for i in items] == ["persona", "recipes", "zoo_sets", "named", "named", "named"]
    assert len({i.uid for i in items}) == 6
    assert job.set_names() == []  # prompts given: no built-in sets unless asked for
    assert RSEJob(reference="r:x", targets=["t:y"], prompts=[str(zoo)], sets="math").set_names() == ["math"]


def test_flags_and_yaml_fill_the_same_job(tmp_path):
    config = tmp_path / "rse.yaml"
    config.write_text(
        "reference: openai:gpt-4o\ntargets: [deepseek:deepseek-chat]\nsets: [math]\n"
        "judges: [embedding, openai:gpt-4o-mini]\nparams: {temperature: 1.0}\n"
    )
    from_yaml = load_job(config, RSEJob, {})
    from_flags = load_job(
        None,
        RSEJob,
        {
            "reference": "openai:gpt-4o",
            "targets": ["deepseek:deepseek-chat"],
            "sets": "math",
            "judges": ["embedding", "openai:gpt-4o-mini"],
            "params": GenerateConfig(temperature=1.0),
        },
    )
    assert from_yaml == from_flags
    overridden = load_job(config, RSEJob, {"params": GenerateConfig(max_tokens=64)})
    assert overridden.params.temperature == 1.0 and overridden.params.max_tokens == 64
    assert [s.kind for s in from_yaml.judge_specs()] == ["embedding", "llm"]


def test_bad_config_names_the_line(tmp_path):
    config = tmp_path / "rse.yaml"
    config.write_text("reference: openai:gpt-4o\ntargets: [x:y]\nsamples: 0\n")
    with pytest.raises(InputError, match=r"rse.yaml:3: samples"):
        load_job(config, RSEJob, {})
    config.write_text("reference: openai:gpt-4o\ntargets: [x:y]\njudge: lexical\n")
    with pytest.raises(InputError, match=r"rse.yaml:3: judge.*expected one of"):
        load_job(config, RSEJob, {})


def test_judge_specs_and_defaults():
    assert JudgeSpec.parse("embedding:./my-encoder").model == "./my-encoder"
    assert JudgeSpec.parse("style").kind == "style" and JudgeSpec.parse("openai:gpt-4o").kind == "llm"
    job = RSEJob(reference="r:x", targets=["t:y"])
    assert [s.kind for s in job.judge_specs()] == ["embedding", "lexical", "style"]
    assert len(RSEJob(reference="r:x", targets=["t:y"], judges=["lexical", "lexical"]).judge_specs()) == 1


class _Named:
    """Just enough of a RecordedModel for building respondents (no model is called here)."""

    def __init__(self, config: ModelConfig) -> None:
        self.backend = type("Backend", (), {"config": config})()
        self.name = config.display_name


def test_sampling_layers_and_the_ceiling():
    hot = ModelConfig(spec="hf:./m", name="hot", params=GenerateConfig(temperature=1.0, max_tokens=50))
    job = RSEJob(reference="hf:./m", targets=[hot, "hf:./m2"], samples=2, params=GenerateConfig(max_tokens=64, seed=7))
    respondents = build_respondents(
        job, lambda ref: _Named(ref if isinstance(ref, ModelConfig) else ModelConfig(spec=ref))
    )
    roles = [(r.role, r.label, r.sample_indices) for r in respondents]
    assert roles == [
        ("reference", "hf:./m", [0]),
        ("ceiling", "hf:./m", [1, 2]),
        ("target", "hot", [0, 1]),
        ("target", "hf:./m2", [0, 1]),
    ]
    reference, ceiling, hot_target, plain = respondents
    assert reference.config.temperature == 0 and reference.config.max_tokens == 64  # RSE default, job's limit
    assert hot_target.config.temperature == 1.0 and hot_target.config.max_tokens == 64  # model default, job wins
    assert ceiling.config.temperature == job.ceiling_temperature  # greedy responses: the ceiling samples
    assert ceiling.config_for(2).seed == 9 and plain.config_for(0).seed == 7
    assert ceiling_config(GenerateConfig(temperature=1.0), 0.7).temperature == 1.0


def test_cli_reports_bad_input_in_one_line(cli, tmp_path):
    missing = tmp_path / "nope.jsonl"
    result = cli("rse", "--reference", "hf:./ref", "--targets", "hf:./t", "--prompts", str(missing), "--dry-run")
    assert result.exit_code == 2 and "nope.jsonl: file not found" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = cli("rse", "--reference", "hf:./ref", "--targets", "hf:./t", "--sets", "general,bogus", "--dry-run")
    assert result.exit_code == 2 and "sets.1" in result.stderr and "Traceback" not in result.stderr
    result = cli("rse", "--targets", "hf:./t", "--dry-run")
    assert result.exit_code == 2 and "reference" in result.stderr
