from __future__ import annotations

import pytest

from distillscope.errors import InputError
from distillscope.fileio.yamlio import load_config, parse_yaml
from distillscope.models.config import ModelsFile, load_models_file


def test_line_index_covers_nested_keys_and_items():
    _, lines = parse_yaml("a:\n  b:\n    - x\n    - y\n  c: 1\n")
    assert lines[("a",)] == 1 and lines[("a", "b", 1)] == 4 and lines[("a", "c")] == 5


def test_models_file_accepts_bare_specs_and_names_aliases(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text("models:\n  judge: openai:gpt-4o\n  teacher:\n    spec: hf:./t\n    system: Be kind.\n")
    models = load_models_file(path)
    assert models["judge"].spec == "openai:gpt-4o" and models["judge"].display_name == "judge"
    assert models["teacher"].system == "Be kind."


def test_unknown_key_is_reported_with_its_line_and_the_expected_keys(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text("models:\n  judge:\n    spec: openai:gpt-4o\n    temprature: 0\n")
    with pytest.raises(InputError) as info:
        load_config(path, ModelsFile)
    assert info.value.line == 4 and "temprature" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_config(tmp_path / "none.yaml", ModelsFile)
