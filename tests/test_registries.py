"""Every extension point is a registry: an unknown name fails in one line that suggests the near ones."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from distillscope.audit.method import METHODS
from distillscope.distill.signal import LOSSES, KDLoss
from distillscope.errors import ModelSpecError
from distillscope.judges.similarity.registry import SIMILARITY_JUDGES
from distillscope.models.backends import BACKENDS
from distillscope.models.spec import parse_spec
from distillscope.registry import Registry, UnknownNameError


def test_a_registry_suggests_near_names_and_refuses_a_second_registration():
    colours: Registry[int] = Registry("colour")
    colours.register("red", 1, help="warm")
    colours.register("green", 2)
    with pytest.raises(UnknownNameError) as info:
        colours.get("gren")
    assert str(info.value) == "unknown colour 'gren'; did you mean 'green'? known: red, green"
    with pytest.raises(ValueError, match="already registered"):
        colours.register("red", 3)
    assert colours.help_text() == "red (warm), green"
    with colours.temporary("blue", 4):
        assert "blue" in colours
    assert "blue" not in colours


def test_an_unknown_backend_prefix_suggests_the_near_one():
    with pytest.raises(ModelSpecError) as info:
        parse_spec("replai:answers.jsonl#gpt-4o")
    assert "did you mean 'replay'" in str(info.value)
    assert {"openai", "hf", "replay"} <= set(BACKENDS.names())


def test_an_unknown_loss_suggests_the_near_one():
    with pytest.raises(ValidationError) as info:
        KDLoss(name="forwrd_kl")
    assert "unknown KD loss 'forwrd_kl'; did you mean 'forward_kl'" in str(info.value)
    assert set(LOSSES.names()) >= {"forward_kl", "reverse_kl", "jsd", "skew_forward_kl", "skew_reverse_kl", "tv"}


def test_an_unknown_judge_suggests_the_near_one(cli):
    result = cli(
        "rse",
        "--reference",
        "http://127.0.0.1:9/v1#a",  # a self-hosted server needs no key, and a dry run calls nothing
        "--targets",
        "http://127.0.0.1:9/v1#b",
        "--judge",
        "lexcal",
        "--sets",
        "math",
        "--sample",
        "2",
        "--dry-run",
    )
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "unknown RSE judge 'lexcal'; did you mean 'lexical'?" in result.stderr
    assert {"llm", "embedding", "lexical", "style"} <= set(SIMILARITY_JUDGES.names())


def test_an_unknown_method_suggests_the_near_one(cli):
    result = cli(
        "audit", "--reference", "openai:gpt-4o", "--targets", "deepseek:deepseek-chat", "--methods", "rsee", "--dry-run"
    )
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "unknown audit method 'rsee'; did you mean 'rse'?" in result.stderr
    assert {"rse", "ice"} <= set(METHODS.names())


def test_the_help_is_read_from_the_registries(cli):
    assert "replay" in cli("models", "providers").stdout
    help_text = cli("rse", "--help").stdout
    assert "embedding[:MODEL]" in help_text and "lexical" in help_text
