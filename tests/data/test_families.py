from __future__ import annotations

import pytest

from distillscope.data.families import builtin_families, family_of, get_family, load_families
from distillscope.errors import InputError


def test_fifteen_builtin_families_with_chinese_names_and_headquarters():
    families = builtin_families()
    assert len(families) >= 15
    for family in families.values():
        assert family.names and family.names_zh and family.developer and family.headquarters_zh


@pytest.mark.parametrize(
    ("spec", "family"),
    [
        ("openai:gpt-4o-mini", "openai"),
        ("openrouter:anthropic/claude-3.5-sonnet", "anthropic"),
        ("together:meta-llama/Llama-3.1-70B-Instruct-Turbo", "meta"),
        ("hf:Qwen/Qwen2.5-7B-Instruct", "alibaba"),
        ("deepseek:deepseek-chat", "deepseek"),
        ("glm:glm-4-plus", "zhipu"),
        ("http://127.0.0.1:8000/v1#microsoft/phi-4", "microsoft"),
        ("hf:./models/student", None),
    ],
)
def test_family_of_spec(spec, family):
    assert family_of(spec) == family


def test_user_yaml_adds_families(tmp_path):
    path = tmp_path / "fam.yaml"
    path.write_text("families:\n  aurora:\n    names: [Aurora]\n    developer: Northwind Labs\n")
    families = load_families(path)
    assert families["aurora"].aliases == ["Aurora", "Northwind Labs"] and "openai" in families
    with pytest.raises(InputError, match="unknown model family"):
        get_family("nope", families)
