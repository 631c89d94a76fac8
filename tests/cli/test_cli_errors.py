"""Each bad input gets one clear line, a non-zero exit code and no traceback."""

from __future__ import annotations

import socket

from doubles.server import free_port


def assert_one_line_error(result, *fragments: str, code: int | None = None) -> None:
    assert result.exit_code != 0
    if code is not None:
        assert result.exit_code == code
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_provider(cli):
    result = cli("chat", "opnai:gpt-4o", "hi")
    assert_one_line_error(result, "unknown provider 'opnai'", "did you mean 'openai'", code=2)


def test_missing_key_names_variable(cli, monkeypatch):
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    result = cli("models", "check", "mistral:mistral-small-latest")
    assert_one_line_error(result, "MISTRAL_API_KEY is not set", "export MISTRAL_API_KEY", code=2)


def test_unreachable_endpoint(cli):
    port = free_port()  # nothing listens here
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    result = cli("models", "check", f"http://127.0.0.1:{port}/v1#m")
    assert_one_line_error(result, f"cannot reach http://127.0.0.1:{port}/v1", "connection refused", code=3)


def test_malformed_yaml_names_file_and_line(cli, tmp_path):
    bad = tmp_path / "models.yaml"
    bad.write_text("models:\n  teacher:\n    spec: openai:gpt-4o\n    params: {temperature: 0.2\n")
    result = cli("chat", "teacher", "hi", "--models", str(bad))
    assert_one_line_error(result, f"{bad}:", "malformed YAML", code=2)


def test_invalid_yaml_field_names_its_line(cli, tmp_path):
    bad = tmp_path / "models.yaml"
    bad.write_text("models:\n  teacher:\n    spec: openai:gpt-4o\n    params:\n      temperature: hot\n")
    result = cli("chat", "teacher", "hi", "--models", str(bad))
    assert_one_line_error(result, f"{bad}:5:", "models.teacher.params.temperature", code=2)


def test_model_folder_without_config(cli, tmp_path):
    (tmp_path / "student").mkdir()
    result = cli("chat", f"hf:{tmp_path / 'student'}", "hi")
    assert_one_line_error(result, "has no config.json", "expected a Hugging Face model folder", code=2)


def test_malformed_prompts_line(cli, tmp_path, toy_model_dir):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"prompt": "hi"}\n{"prompt": "oops",\n')
    result = cli("chat", f"hf:{toy_model_dir}", "--prompts", str(prompts))
    assert_one_line_error(result, f"{prompts}:2:", "malformed JSON", code=2)


def test_missing_prompts_file(cli, tmp_path, toy_model_dir):
    result = cli("chat", f"hf:{toy_model_dir}", "--prompts", str(tmp_path / "nope.jsonl"))
    assert_one_line_error(result, "nope.jsonl", "file not found", code=2)


def test_debug_shows_the_traceback_then_the_line(cli):
    result = cli("--debug", "chat", "opnai:gpt-4o", "hi")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "ModelSpecError" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("error:")
