"""The commands a new user types first."""

from __future__ import annotations

import asyncio
import json

from distillscope.fileio.jsonl import write_jsonl
from distillscope.models import GenerateConfig
from distillscope.models.chat import chat_once
from distillscope.store import RunStore


def test_help_lists_the_commands(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("chat", "models", "runs", "demo"):
        assert command in result.stdout


def test_models_check_prints_latency_and_usage(cli, server):
    result = cli("models", "check", server.spec)
    assert result.exit_code == 0, result.stderr
    assert "answered in" in result.stdout and " s" in result.stdout
    assert "prompt +" in result.stdout and "completion tokens" in result.stdout


def test_models_check_always_calls(cli, server, store_path):
    cli("models", "check", server.spec)
    cli("models", "check", server.spec)
    with RunStore(store_path) as store:
        runs = store.runs()
    assert [r.calls - r.cached for r in runs] == [1, 1]


def test_chat_prints_the_reply(cli, toy_model_dir, store_path, tmp_path):
    result = cli("chat", f"hf:{toy_model_dir}", "What colour is snow?", "--temperature", "0", "--max-tokens", "12")
    assert result.exit_code == 0, result.stderr
    with RunStore(tmp_path / "other.sqlite") as other:
        reply = asyncio.run(
            chat_once(
                f"hf:{toy_model_dir}",
                "What colour is snow?",
                store=other,
                config=GenerateConfig(temperature=0, max_tokens=12),
            )
        )
    assert result.stdout.splitlines()[0] == reply.output.text
    again = cli("chat", f"hf:{toy_model_dir}", "What colour is snow?", "--temperature", "0", "--max-tokens", "12")
    assert "from store" in again.stdout


def test_chat_config_file_and_flags_say_the_same(cli, toy_model_dir, tmp_path):
    config = tmp_path / "chat.yaml"
    config.write_text(f"model: hf:{toy_model_dir}\nprompt: Hello!\nparams:\n  temperature: 0\n  max_tokens: 9\n")
    by_file = cli("chat", "--config", str(config))
    by_flags = cli("chat", f"hf:{toy_model_dir}", "Hello!", "--temperature", "0", "--max-tokens", "9")
    assert by_file.exit_code == by_flags.exit_code == 0
    assert by_file.stdout.splitlines()[0] == by_flags.stdout.splitlines()[0]
    assert "from store" in by_flags.stdout  # same effective request, same key
    overridden = cli("chat", "--config", str(config), "--max-tokens", "3")
    assert "+3 tokens" in overridden.stdout or "length" in overridden.stdout


def test_chat_prompts_file_and_runs_export(cli, toy_model_dir, tmp_path, store_path):
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(
        prompts,
        [
            {"id": "a", "prompt": "Hello!"},
            {
                "id": "b",
                "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Thank you."}],
            },
        ],
    )
    out = tmp_path / "out.jsonl"
    result = cli("chat", f"hf:{toy_model_dir}", "--prompts", str(prompts), "-o", str(out), "--max-tokens", "8")
    assert result.exit_code == 0, result.stderr
    replies = {json.loads(line)["id"]: json.loads(line) for line in out.read_text().splitlines()}
    assert set(replies) == {"a", "b"} and all(r["response"] for r in replies.values())
    listed = cli("runs", "list")
    assert "chat" in listed.stdout and "finished" in listed.stdout
    run_id = RunStore(store_path).runs()[0].id
    exported = tmp_path / "run.jsonl"
    assert cli("runs", "export", run_id, "-o", str(exported)).exit_code == 0
    records = [json.loads(line) for line in exported.read_text().splitlines()]
    assert len(records) == 2 and {r["model"] for r in records} == {f"hf:{toy_model_dir}"}
