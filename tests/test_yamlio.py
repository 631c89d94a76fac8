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


BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9 if prev else ['lol'] * 9)}]\n"
    for prev, name in zip([None, *"abcdefgh"], "abcdefghi", strict=True)
)


def test_an_alias_bomb_is_refused_with_its_line_before_it_is_built():
    assert len(BOMB.encode()) < 500  # a few hundred bytes that stand for 9**9 (387 million) strings
    with pytest.raises(InputError) as info:
        parse_yaml(BOMB, "bomb.yaml")
    assert "YAML aliases expand to more than" in str(info.value) and info.value.line is not None


def test_an_alias_inside_its_own_anchor_is_refused():
    with pytest.raises(InputError, match="refers to a node that contains it") as info:
        parse_yaml("a: &x\n  b: [1, *x]\n")
    assert info.value.line == 2


def test_ordinary_anchors_and_merge_keys_still_load_and_index_their_lines():
    text = "base: &base\n  temperature: 0.2\n  seed: 1\nhot:\n  <<: *base\n  temperature: 0.9\ncold: *base\n"
    data, lines = parse_yaml(text)
    assert data["hot"] == {"temperature": 0.9, "seed": 1} and data["cold"] == {"temperature": 0.2, "seed": 1}
    assert lines[("hot", "temperature")] == 6 and lines[("cold",)] == 7


def test_a_file_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_bytes(b"models:\n  a: openai:gpt-4o\n  b: caf\xe9\n")
    with pytest.raises(InputError, match="not UTF-8") as info:
        load_config(path, ModelsFile)
    assert info.value.line == 3
