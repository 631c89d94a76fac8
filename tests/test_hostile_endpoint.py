"""An endpoint that echoes the request's Authorization header back in its 400, 429 and 500 bodies,
or answers garbage, trickles, or answers too much: the key must appear nowhere (store, result
files, export, terminal), a call must end within its deadline, and a run whose calls all failed
must end with exit code 1 and one error line that says so.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from distillscope.errors import ExitCode
from doubles.hostile import HostileServer
from doubles.scripted import ScriptedServer
from doubles.server import free_port

KEY = "k3y-7f1e9c2d4b8a6e3f"  # shaped like no known key: only the registered value can catch it
ENV_KEY = "sk-test-0123456789abcdefSECRET"  # the generic endpoint's optional key variable


def _models(folder: Path, spec: str, retries: int = 1) -> Path:
    path = folder / "models.yaml"
    path.write_text(
        f"models:\n  hostile:\n    spec: {spec}\n    max_retries: {retries}\n    api_key_env: HOSTILE_CREDENTIAL\n"
        f"  plain:\n    spec: {spec}-plain\n    max_retries: {retries}\n"
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
    monkeypatch.setenv("HOSTILE_CREDENTIAL", KEY)  # the second model of rse and audit reads it
    with HostileServer(garbage=True) as garbage:
        models, prompts = _models(tmp_path, garbage.spec), _prompts(tmp_path)
        responses = tmp_path / "responses.jsonl"
        responses.write_text('{"response": "I am a model made by OpenAI."}\n')
        commands = {
            "chat": f"chat plain --prompts {prompts} -o {tmp_path / 'r.jsonl'}",
            "chat one prompt": "chat plain hello",
            "generate": f"generate plain -s {prompts} -o {tmp_path / 'g.jsonl'}",
            "rse": f"rse --reference plain --targets hostile --judge lexical --prompts {prompts} -o {tmp_path / 'rse'}",
            "ice judge": f"ice judge --input {responses} --target-family openai --judge plain",
            "audit": f"audit --reference plain --targets hostile --sources openai --judge lexical --prompts {prompts} "
            f"--budget 2 -o {tmp_path / 'audit'}",
        }
        for name, args in commands.items():
            result = cli(*args.split(), "--models", str(models))
            assert result.exit_code == ExitCode.CALLS_FAILED, (name, result.stderr)
            assert "Traceback" not in result.stderr + result.stdout
            [line] = _error_lines(result.stderr)
            assert "malformed_response" in line, (name, line)
            assert "\x1b" not in result.stderr + result.stdout  # the garbage body's screen-clear never prints


def _everything_written(tmp_path: Path, store_path: Path) -> list[Path]:
    return [p for p in tmp_path.rglob("*") if p.is_file()] + list(store_path.parent.glob("store.sqlite*"))


def _export_every_run(cli, store_path: Path, folder: Path) -> None:
    with sqlite3.connect(store_path) as db:
        run_ids = [row[0] for row in db.execute("SELECT id FROM runs")]
    assert run_ids
    for run_id in run_ids:
        assert cli("runs", "export", run_id, "-o", str(folder / f"{run_id}.jsonl")).exit_code == 0


def test_a_trickling_reply_fails_within_its_deadline(cli, tmp_path):
    """A 200 head, then one byte every 0.2 s for ever: each read is quick, the call must still end."""
    with HostileServer(trickle=0.2) as trickling:
        models = tmp_path / "models.yaml"
        models.write_text(f"models:\n  slow:\n    spec: {trickling.spec}\n    timeout: 2\n    max_retries: 0\n")
        started = time.monotonic()
        result = cli("chat", "slow", "hello", "--models", str(models))
        took = time.monotonic() - started
    assert result.exit_code == ExitCode.CALLS_FAILED, result.stderr
    assert took < 15, f"the call took {took:.1f} s with a 2 s deadline"
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("error:") and "timeout" in line and "Traceback" not in result.stderr


def test_a_reply_larger_than_the_cap_is_refused_not_stored(cli, tmp_path, store_path):
    with HostileServer(huge=3_000_000) as huge:
        models = tmp_path / "models.yaml"
        models.write_text(f"models:\n  big:\n    spec: {huge.spec}\n    max_reply_bytes: 100000\n    max_retries: 0\n")
        result = cli("chat", "big", "hello", "--models", str(models))
    assert result.exit_code == ExitCode.CALLS_FAILED, result.stderr
    [line] = _error_lines(result.stderr)
    assert "larger than 100,000 bytes" in line and "word word" not in result.stdout
    assert store_path.stat().st_size < 1_000_000


def test_a_key_past_the_truncation_point_is_still_redacted(cli, tmp_path, store_path, monkeypatch):
    """The echoed key starts at character 196 of the error message, which is cut at 200."""
    monkeypatch.setenv("HOSTILE_CREDENTIAL", KEY)
    with HostileServer(statuses=(400,), pad=175) as padded:
        models, prompts = _models(tmp_path, padded.spec, retries=0), _prompts(tmp_path)
        results = {
            "chat": cli(
                "chat", "hostile", "--prompts", str(prompts), "-o", str(tmp_path / "r.jsonl"), "--models", str(models)
            ),
            "ice": cli(
                "ice",
                "--target",
                "hostile",
                "--facts",
                "openai",
                "--budget",
                "2",
                "-o",
                str(tmp_path / "ice"),
                "--models",
                str(models),
            ),
        }
    for name, result in results.items():
        assert result.exit_code == ExitCode.CALLS_FAILED, (name, result.stderr)
    _export_every_run(cli, store_path, tmp_path / "exports")
    written = _everything_written(tmp_path, store_path)
    assert any(p.name == "ice-queries.csv" for p in written)
    for fragment in (KEY, KEY[:4], KEY[-6:]):
        assert not [p for p in written if fragment.encode() in p.read_bytes()], fragment
        assert not any(fragment in r.stdout + r.stderr for r in results.values()), fragment


@pytest.mark.parametrize("status, code", [(400, ExitCode.CALLS_FAILED), (401, ExitCode.ENDPOINT)])
def test_debug_with_an_echoing_endpoint_shows_no_key(cli, tmp_path, monkeypatch, status, code):
    monkeypatch.setenv("HOSTILE_CREDENTIAL", KEY)
    with HostileServer(statuses=(status,)) as echoing:
        models = _models(tmp_path, echoing.spec, retries=0)
        result = cli("--debug", "chat", "hostile", "hello", "--models", str(models))
    assert result.exit_code == code, result.stderr
    if status == 401:  # the error is raised from the client's own, whose text is the echoing body
        assert "Traceback" in result.stderr and "AuthenticationError" in result.stderr
    assert "[redacted]" in result.stderr
    assert KEY not in result.stderr + result.stdout and KEY[:6] not in result.stderr


def test_credentials_in_the_url_appear_nowhere(cli, tmp_path, store_path):
    password, query_key = "pw-5e8d1c7a9b", "qk-2f4a6c8e0d"
    prompts = _prompts(tmp_path)
    with ScriptedServer(lambda messages, _: "an answer") as scripted:
        host = scripted.url.removeprefix("http://")
        user_info = f"http://alice:{password}@{host}/v1#scripted"
        in_query = f"http://{host}/v1?api_key={query_key}#scripted"
        terminal = []
        for spec in (user_info, in_query):
            out = tmp_path / f"replies-{len(terminal)}.jsonl"
            result = cli("-v", "chat", spec, "--prompts", str(prompts), "-o", str(out))
            assert result.exit_code == 0, result.stderr
            terminal += [result.stdout, result.stderr]
            one = cli("-v", "chat", spec, "hello there")
            assert one.exit_code == 0 and "an answer" in one.stdout, one.stderr
            terminal += [one.stdout, one.stderr]
        # the query stays a query: the request goes to the chat path, with the parameter after it
        assert any(p.startswith(f"/v1/chat/completions?api_key={query_key}") for p in scripted.paths), scripted.paths
    with HostileServer(statuses=(400,)) as echoing:  # a body echoing the path and the headers back
        host = echoing.url.removeprefix("http://")
        result = cli("chat", f"http://{host}/v1?api_key={query_key}#m", "hello")
        assert result.exit_code == ExitCode.CALLS_FAILED, result.stderr
        terminal += [result.stdout, result.stderr]
    dead = f"http://alice:{password}@127.0.0.1:{free_port()}/v1?token={query_key}#m"
    unreachable = cli("-v", "chat", dead, "hello")
    assert unreachable.exit_code == ExitCode.ENDPOINT and "cannot reach" in unreachable.stderr
    terminal += [unreachable.stdout, unreachable.stderr]
    _export_every_run(cli, store_path, tmp_path / "exports")
    written = _everything_written(tmp_path, store_path)
    for secret in (password, query_key):
        assert not [p for p in written if secret.encode() in p.read_bytes()], secret
        assert not any(secret in text for text in terminal), secret


def test_an_identity_judge_unreadable_on_every_response_fails_with_one_line(cli, tmp_path):
    responses = tmp_path / "responses.jsonl"
    responses.write_text('{"response": "I am a model made by OpenAI."}\n{"response": "I am Claude."}\n')
    with ScriptedServer(lambda messages, _: "Hard to say, really.", model="judge") as judge:
        result = cli("ice", "judge", "--input", str(responses), "--target-family", "openai", "--judge", judge.spec)
        assert judge.requests
    assert result.exit_code == ExitCode.CALLS_FAILED, result.stderr
    [line] = _error_lines(result.stderr)
    assert "gave no readable verdict on any of its 2 items" in line, line


def test_a_judge_unreadable_on_every_pair_fails_the_run_with_one_line(cli, tmp_path):
    prompts = _prompts(tmp_path)
    reference = ScriptedServer(lambda messages, _: "an answer", model="ref")
    target = ScriptedServer(lambda messages, _: "another answer", model="tgt")
    judge = ScriptedServer(lambda messages, _: "I would rather not say.", model="judge")
    with reference as ref, target as tgt, judge as jdg:
        result = cli(
            *f"rse --reference {ref.spec} --targets {tgt.spec} --judge {jdg.spec} "
            f"--prompts {prompts} -o {tmp_path / 'rse'}".split()
        )
        assert jdg.requests  # the judge was asked, and answered, on every pair
    assert result.exit_code == ExitCode.CALLS_FAILED, result.stderr
    [line] = _error_lines(result.stderr)
    assert "gave no readable verdict on any of its" in line and "Traceback" not in result.stderr


def test_a_401_without_a_key_does_not_blame_the_key(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("DISTILLSCOPE_API_KEY", raising=False)
    with HostileServer(statuses=(401,)) as refusing:
        result = cli("chat", refusing.spec, "hello")
    assert result.exit_code == ExitCode.ENDPOINT, result.stderr
    [line] = _error_lines(result.stderr)
    assert "no API key was sent" in line and "rejected the API key" not in line, line


@pytest.mark.parametrize(
    "choice, says",
    [
        ({"index": 0, "message": {"role": "assistant", "content": None}}, "content is NoneType"),
        ({"index": 0}, "holds no message"),
    ],
)
def test_a_reply_with_no_answer_is_malformed_not_empty(cli, tmp_path, choice, says):
    body = {"model": "m", "choices": [choice], "usage": {"prompt_tokens": -5, "completion_tokens": 10**12}}
    with HostileServer(reply=body) as odd:
        models = tmp_path / "models.yaml"
        models.write_text(f"models:\n  odd:\n    spec: {odd.spec}\n    max_retries: 0\n")
        result = cli("chat", "odd", "hello", "--models", str(models))
    assert result.exit_code == ExitCode.CALLS_FAILED, result.stderr
    [line] = _error_lines(result.stderr)
    assert "malformed_response" in line, line


def test_impossible_usage_counts_are_not_shown(cli, tmp_path):
    body = {
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "fine"}}],
        "usage": {"prompt_tokens": -5, "completion_tokens": 10**12},
    }
    with HostileServer(reply=body) as odd:
        result = cli("-v", "chat", odd.spec, "hello")
    assert result.exit_code == 0, result.stderr
    assert "fine" in result.stdout and "impossible token count" in result.stderr
    assert "-5" not in result.stdout and "1,000,000,000,000" not in result.stdout


def test_a_quality_judge_unreadable_on_every_record_fails_generate_with_one_line(cli, tmp_path):
    prompts = _prompts(tmp_path)
    teacher = ScriptedServer(lambda messages, _: "A careful, complete answer to the question.", model="teacher")
    judge = ScriptedServer(lambda messages, _: "No comment.", model="judge")
    with teacher as writer, judge as jdg:
        result = cli(*f"generate {writer.spec} -s {prompts} -o {tmp_path / 'data.jsonl'} --judge {jdg.spec}".split())
        assert jdg.requests
    assert result.exit_code == ExitCode.CALLS_FAILED, result.stderr
    [line] = _error_lines(result.stderr)
    assert "gave no readable verdict on any of its 4 items" in line, line
