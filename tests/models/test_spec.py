from __future__ import annotations

import pytest

from distillscope.errors import MissingKeyError, ModelFolderError, ModelSpecError
from distillscope.models import ModelConfig, get_model, parse_spec
from distillscope.models.providers import PROVIDERS


@pytest.mark.parametrize(
    ("spec", "provider", "model", "base_url"),
    [
        ("openai:gpt-4o-mini", "openai", "gpt-4o-mini", "https://api.openai.com/v1"),
        ("deepseek:deepseek-chat", "deepseek", "deepseek-chat", "https://api.deepseek.com/v1"),
        ("glm:glm-4-plus", "zhipu", "glm-4-plus", "https://open.bigmodel.cn/api/paas/v4"),
        ("kimi:moonshot-v1-8k", "moonshot", "moonshot-v1-8k", "https://api.moonshot.cn/v1"),
        ("ollama:llama3.1:8b", "ollama", "llama3.1:8b", "http://127.0.0.1:11434/v1"),
    ],
)
def test_provider_specs_resolve_to_base_url_and_model(spec, provider, model, base_url):
    parsed = parse_spec(spec)
    assert parsed.backend == "openai"
    assert parsed.provider is not None and parsed.provider.name == provider
    assert (parsed.model, parsed.base_url) == (model, base_url)


def test_every_provider_the_issue_names_is_known():
    wanted = {
        "openai",
        "deepseek",
        "qwen",
        "zhipu",
        "moonshot",
        "mistral",
        "openrouter",
        "together",
        "groq",
        "gemini",
        "anthropic",
        "vllm",
        "llamacpp",
        "ollama",
        "lmstudio",
        "tfserve",
    }
    assert wanted <= set(PROVIDERS)
    for name in wanted - {"ollama", "lmstudio", "tfserve"}:
        assert PROVIDERS[name].key_env, name


def test_url_spec_keeps_url_and_model():
    parsed = parse_spec("http://127.0.0.1:8080/v1/#my-model")
    assert (parsed.base_url, parsed.model) == ("http://127.0.0.1:8080/v1", "my-model")


def test_hf_spec_takes_revision():
    parsed = parse_spec("hf:org/name@v2")
    assert (parsed.backend, parsed.model, parsed.revision) == ("hf", "org/name", "v2")


def test_unknown_provider_suggests_the_close_one():
    with pytest.raises(ModelSpecError) as info:
        parse_spec("opnai:gpt-4o")
    text = str(info.value)
    assert "unknown provider 'opnai'" in text and "did you mean 'openai'" in text


@pytest.mark.parametrize("spec", ["gpt-4o", "http://host/v1", "hf:", ":model"])
def test_unreadable_specs_say_what_is_expected(spec):
    with pytest.raises(ModelSpecError) as info:
        parse_spec(spec)
    assert "expected" in str(info.value)


def test_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    with pytest.raises(MissingKeyError) as info:
        get_model("deepseek:deepseek-chat")
    assert "DEEPSEEK_API_KEY" in str(info.value)


def test_key_from_named_variable_is_required_when_named(monkeypatch):
    monkeypatch.delenv("MY_SERVER_KEY", raising=False)
    with pytest.raises(MissingKeyError, match="MY_SERVER_KEY"):
        get_model(ModelConfig(spec="http://127.0.0.1:9/v1#m", api_key_env="MY_SERVER_KEY"))


def test_self_hosted_servers_need_no_key(monkeypatch):
    monkeypatch.delenv("VLLM_API_KEY", raising=False)
    model = get_model("vllm:Qwen/Qwen2.5-7B-Instruct")
    assert model.identity == {
        "backend": "openai",
        "base_url": "http://127.0.0.1:8000/v1",
        "model": "Qwen/Qwen2.5-7B-Instruct",
    }


def test_model_folder_without_config_is_refused(tmp_path):
    (tmp_path / "weights.bin").write_bytes(b"\0")
    with pytest.raises(ModelFolderError, match=r"has no config\.json"):
        get_model(f"hf:{tmp_path}")


def test_missing_model_folder_is_refused(tmp_path):
    with pytest.raises(ModelFolderError, match="no model folder"):
        get_model(f"hf:{tmp_path / 'nowhere'}")
