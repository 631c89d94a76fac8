"""An endpoint that echoes the request's Authorization header back in its 400, 429 and 500 bodies,
or answers garbage: the key must appear nowhere (store, result files, export, terminal), and a run
whose calls all failed must end with exit code 1 and one error line that says so.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from distillscope.errors import ExitCode
from distillscope.testing.hostile import HostileServer

KEY = "k3y-7f1e9c2d4b8a6e3f"  # shaped like no known key: only the registered value can catch it
ENV_KEY = "sk-test-0123456789abcdefSECRET"  # the generic endpoint's optional key variable


def _models(folder: Path, spec: str, retries: int = 1) -> Path:
    path = folder / "models.yaml"
    path.write_text(
        f"models:\n  hostile:\n    spec: {spec}\n    max_retries: {retries}\n    api_key_env: HOSTILE_CREDENTIAL\n"
        f"  plain:\n    spec: {spec}\n    max_retries: {retries}\n"
    )
    return path


def _prompts(folder: Path) -> Path:
    path = folder / "prompts.jsonl"
    path.write_text("".join(f'{{"id": "{i}", "prompt": "question {i}"}}\n' for i in range(4)))
    return path


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOSTILE_CREDENTIAL", KEY)
    monkeypatch.setenv("DISTILLSCOPE_API_KEY", ENV_KEY)
    with HostileServer(statuses=(400, 429, 500)) as server:
        yield server


def test_an_echoed_key_appears_nowhere(hostile, cli, tmp_path, store_path):
    models, prompts = _models(tmp_path, hostile.spec, retries=0), _prompts(tmp_path)  # each body is the last
    runs = {
        "chat": f"chat hostile --prompts {prompts} -o {tmp_path / 'replies.jsonl'}",
        "chat generic key": f"chat plain --prompts {prompts} -o {tmp_path / 'plain.jsonl'}",
        "rse": f"rse --reference hostile --targets plain --judge lexical --prompts {prompts} -o {tmp_path / 'rse'}",
        "ice": f"ice --target hostile --facts openai --budget 3 -o {tmp_path / 'ice'}",
        "audit": f"audit --reference hostile --targets plain --sources openai --judge lexical --prompts {prompts} "
        f"--budget 3 -o {tmp_path / 'audit'}",
    }
    terminal = []
    for name, args in runs.items():
        result = cli(*args.split(), "--models", str(models))
        terminal += [result.stdout, result.stderr]
        assert result.exit_code == ExitCode.CALLS_FAILED, (name, result.stderr)
        assert "Traceback" not in result.stderr
        [line] = _error_lines(result.stderr)
        assert "model calls failed" in line and "[redacted]" in line, line
    assert hostile.requests >= 20  # the key really went out, and came back, many times
    with sqlite3.connect(store_path) as db:
        run_ids = [row[0] for row in db.execute("SELECT id FROM runs")]
        errors = [row[0] for row in db.execute("SELECT message FROM errors")]
    for status in (400, 429, 500):  # every kind of echoing body reached a message, and was redacted there
        quoting = [message for message in errors if f"HTTP {status}: rejected request" in message]
        assert quoting and all("Bearer [redacted]" in message for message in quoting), status
    for run_id in run_ids:
        exported = cli("runs", "export", run_id, "-o", str(tmp_path / "exports" / f"{run_id}.jsonl"))
        assert exported.exit_code == 0, exported.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()] + list(store_path.parent.glob("store.sqlite*"))
    assert any(p.suffix == ".csv" for p in written) and any("exports" in p.parts for p in written)
    for secret in (KEY, ENV_KEY):
        leaks = [p for p in written if secret.encode() in p.read_bytes()]
        assert not leaks, f"{secret} leaked into {leaks}"
        assert not any(secret in text for text in terminal)


def test_a_run_whose_every_call_failed_exits_1_with_one_line(cli, tmp_path, monkeypatch):
    with HostileServer(garbage=True) as garbage:
        models, prompts = _models(tmp_path, garbage.spec), _prompts(tmp_path)
        responses = tmp_path / "responses.jsonl"
        responses.write_text('{"response": "I am a model made by OpenAI."}\n')
        commands = {
            "chat": f"chat plain --prompts {prompts} -o {tmp_path / 'r.jsonl'}",
            "chat one prompt": "chat plain hello",
            "generate": f"generate plain -s {prompts} -o {tmp_path / 'g.jsonl'}",
            "rse": f"rse --reference plain --targets plain --judge lexical --prompts {prompts} -o {tmp_path / 'rse'}",
            "ice judge": f"ice judge --input {responses} --target-family openai --judge plain",
            "audit": f"audit --reference plain --targets plain --sources openai --judge lexical --prompts {prompts} "
            f"--budget 2 -o {tmp_path / 'audit'}",
        }
        for name, args in commands.items():
            result = cli(*args.split(), "--models", str(models))
            assert result.exit_code == ExitCode.CALLS_FAILED, (name, result.stderr)
            assert "Traceback" not in result.stderr + result.stdout
            [line] = _error_lines(result.stderr)
            assert "malformed_response" in line, (name, line)
            assert "\x1b" not in result.stderr + result.stdout  # the garbage body's screen-clear never prints
