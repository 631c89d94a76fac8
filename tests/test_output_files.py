"""What commands write: never truncated before the run has finished, never over their own input,
checked before the work, and safe to open in a spreadsheet or show in a terminal."""

from __future__ import annotations

import csv
import os

import pytest

from distillscope.errors import ExitCode, InputError
from distillscope.fileio.files import spreadsheet_safe, streamed_output, write_csv
from distillscope.fileio.jsonl import read_jsonl, write_jsonl
from distillscope.fileio.paths import check_output_file, check_output_folder
from doubles.scripted import ScriptedServer
from doubles.server import free_port

HOSTILE_CELLS = ['=HYPERLINK("http://evil","click")', "+1+2", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("cell", HOSTILE_CELLS)
def test_a_formula_is_written_as_text(tmp_path, cell):
    path = tmp_path / "t.csv"
    write_csv(path, [{"label": cell, "score": -0.25, "note": "plain"}])
    with path.open(newline="", encoding="utf-8") as handle:
        [row] = list(csv.DictReader(handle))
    written = cell.replace("\r", "")  # a carriage return is a control character: it never reaches a file
    assert row["label"] == "'" + written and row["score"] == "-0.25" and row["note"] == "plain"


def test_numbers_and_plain_text_are_left_alone():
    assert [spreadsheet_safe(v) for v in ("-0.25", "+3", "1e-3", "hello", "a=b", 5, None)] == [
        "-0.25",
        "+3",
        "1e-3",
        "hello",
        "a=b",
        5,
        None,
    ]


def test_a_new_streamed_file_shows_its_lines_as_they_come(tmp_path):
    path = tmp_path / "out.jsonl"
    with streamed_output(path) as sink:
        sink.write("one\n")
        sink.flush()
        assert path.read_text() == "one\n"


def test_an_existing_file_survives_a_failed_rewrite_and_is_replaced_by_a_finished_one(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("earlier run\n")
    with pytest.raises(RuntimeError), streamed_output(path) as sink:
        sink.write("half of a new run\n")
        assert path.read_text() == "earlier run\n"
        raise RuntimeError("the endpoint went away")
    assert path.read_text() == "earlier run\n" and os.listdir(tmp_path) == ["out.jsonl"]
    with streamed_output(path) as sink:
        sink.write("new run\n")
    assert path.read_text() == "new run\n" and os.listdir(tmp_path) == ["out.jsonl"]


def test_output_checks_refuse_inputs_folders_and_files_and_make_nothing(tmp_path):
    source = tmp_path / "prompts.jsonl"
    source.write_text("{}\n")
    with pytest.raises(InputError, match="both an input and the output"):
        check_output_file(tmp_path / "." / "prompts.jsonl", inputs=[source])
    with pytest.raises(InputError, match="is a folder"):
        check_output_file(tmp_path)
    with pytest.raises(InputError, match="cannot write here"):
        check_output_file(source / "out.jsonl")
    with pytest.raises(InputError, match="is a file"):
        check_output_folder(source)
    with pytest.raises(InputError, match="cannot write here"):
        check_output_file(tmp_path / ("x" * 300 + ".jsonl"))
    check_output_file(tmp_path / "new" / "deeper" / "out.jsonl")
    check_output_folder(tmp_path / "results")
    assert sorted(os.listdir(tmp_path)) == ["prompts.jsonl"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused_before_the_work(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(InputError, match="cannot write here"):
            check_output_file(locked / "out.jsonl")
    finally:
        locked.chmod(0o755)


def test_a_failed_rerun_keeps_the_finished_replies(cli, tmp_path):
    prompts, out = tmp_path / "prompts.jsonl", tmp_path / "replies.jsonl"
    write_jsonl(prompts, [{"id": str(i), "prompt": f"question {i}"} for i in range(5)])
    with ScriptedServer(lambda messages, _: "an answer") as scripted:
        assert cli("chat", scripted.spec, "--prompts", str(prompts), "-o", str(out)).exit_code == 0
    before = out.read_bytes()
    assert len(list(read_jsonl(out))) == 5
    dead = f"http://127.0.0.1:{free_port()}/v1#scripted"
    result = cli("chat", dead, "--prompts", str(prompts), "-o", str(out), "--temperature", "0.5")
    assert result.exit_code == ExitCode.ENDPOINT and "cannot reach" in result.stderr
    assert out.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["prompts.jsonl", "replies.jsonl", "store.sqlite"]


def test_model_text_shown_in_the_terminal_loses_its_escapes_but_not_in_the_store(cli, store_path):
    reply = "\x1b[2J\x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ done\x07"
    with ScriptedServer(lambda messages, _: reply) as scripted:
        result = cli("chat", scripted.spec, "hello")
    assert result.exit_code == 0
    assert "red link done" in result.stdout and "\x1b" not in result.stdout and "\x07" not in result.stdout
    from distillscope.store import RunStore

    with RunStore(store_path) as store:
        [run] = store.runs()
        [record] = [r for r in store.export_run(run.id) if r["status"] == "ok"]
    assert record["response"]["choices"][0]["text"] == reply


def test_a_store_that_stops_accepting_writes_is_one_clear_error(store_path):
    from distillscope.store import RunStore

    with RunStore(store_path) as store:
        store._db.execute("PRAGMA query_only = ON")  # what a read-only file or a full disk looks like to SQLite
        with pytest.raises(InputError, match="cannot write to the run store"):
            store.start_run("chat")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only files")
def test_a_read_only_store_is_refused_when_opened(store_path):
    from distillscope.store import RunStore

    RunStore(store_path).close()
    store_path.chmod(0o444)
    try:
        with pytest.raises(InputError, match="cannot open the run store"):
            RunStore(store_path)
        RunStore(store_path, readonly=True).close()  # looking is still allowed
    finally:
        store_path.chmod(0o644)


# ------------------------------------------------------------------------------------------------------------
# The one output guard, command by command: an output that is, holds, or lies inside an input is refused
# before any work (the endpoint S is never reached), and every input is left byte for byte as it was.

S = "http://127.0.0.1:9/v1#m"  # port 9: any call would end in "cannot reach" (exit 3), not in a refusal


def _tree(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Inputs of every kind: prompts, training data, a model folder, a replay file, an audit folder."""
    from distillscope.cli.app import run_command

    folder = tmp_path_factory.mktemp("inputs")
    write_jsonl(folder / "prompts.jsonl", [{"id": f"q{i}", "prompt": f"question {i}"} for i in range(3)])
    write_jsonl(folder / "data.jsonl", [{"text": f"document {i}"} for i in range(3)])
    for name in ("m", "m2"):
        (folder / name).mkdir()
        (folder / name / "config.json").write_text('{"model_type": "llama"}\n')
    (folder / "rsy").mkdir()
    write_jsonl(folder / "rsy" / "responses.jsonl", [{"model": "ref", "prompt": "question 0", "response": "an answer"}])
    (folder / "aux").mkdir()
    write_jsonl(folder / "aux" / "prompts.jsonl", [{"prompt": "question"}])
    (folder / "qs").mkdir()
    (folder / "qs" / "questions.csv").write_text("id,category,language,question\nq1,identity,en,Who are you?\n")
    write_jsonl(folder / "responses.jsonl", [{"response": "I am a model."}])
    (folder / "link.jsonl").symlink_to(folder / "prompts.jsonl")
    reference = ScriptedServer(lambda messages, _: "an answer", model="ref")
    target = ScriptedServer(lambda messages, _: "another answer", model="tgt")
    with reference as ref, target as tgt:
        args = f"--store {folder / 'store.sqlite'} audit --reference {ref.spec} --targets {tgt.spec} "
        args += f"--methods rse --sources openai --judge lexical --prompts {folder / 'prompts.jsonl'} -o {folder / 'a'}"
        assert run_command(args.split()) == 0
    return folder


GUARDED = {
    "chat output is the prompts": f"chat {S} --prompts {{d}}/prompts.jsonl -o {{d}}/prompts.jsonl",
    "chat output is a link to the prompts": f"chat {S} --prompts {{d}}/prompts.jsonl -o {{d}}/link.jsonl",
    "generate output is the source": f"generate {S} -s {{d}}/prompts.jsonl -o {{d}}/prompts.jsonl",
    "train output is the student": "train --mode sft --student hf:{d}/m --data {d}/data.jsonl -o {d}/m",
    "train output holds the data": "train --mode sft --student hf:{d}/m --data {d}/data.jsonl -o {d}",
    "teacher cache inside the teacher": "teacher-cache --teacher hf:{d}/m --data {d}/data.jsonl -o {d}/m/cache",
    "eval report inside the student": "eval --student hf:{d}/m --data {d}/data.jsonl -o {d}/m/eval.json",
    "select output is the teacher": "select --teacher hf:{d}/m --reference hf:{d}/m2 --corpus {d}/data.jsonl -o {d}/m",
    "select output holds the corpus": "select --teacher hf:{d}/m --reference hf:{d}/m2 --corpus {d}/data.jsonl -o {d}",
    "prune output is the model": "prune --model hf:{d}/m --calibration {d}/data.jsonl --hidden-size 32 -o {d}/m",
    "recipe output holds the source": "recipe --teacher hf:{d}/m --student hf:{d}/m2 --source {d}/prompts.jsonl -o {d}",
    "rse output holds the replayed reference": f"rse --reference replay:{{d}}/rsy/responses.jsonl#ref --targets {S} "
    "--prompts {d}/prompts.jsonl --judge lexical -o {d}/rsy",
    "ice output holds the questions": f"ice --target {S} --facts openai --questions {{d}}/qs/questions.csv -o {{d}}/qs",
    "ice judge output is the input": "ice judge --input {d}/responses.jsonl --target-family openai "
    "-o {d}/responses.jsonl",
    "audit output holds the prompts": f"audit --reference {S} --targets {S.replace('#m', '#n')} --methods rse "
    "--sources openai --judge lexical --prompts {d}/aux/prompts.jsonl -o {d}/aux",
    "report over the results": "report -i {d}/a -o {d}/a/results.json",
    "report screenshot over the results": "report -i {d}/a --screenshot {d}/a/results.json",
    "report over a method's results": "report -i {d}/a -o {d}/a/rse/rse.json",
    "calibrate over the audit's results": "calibrate {d}/a -o {d}/a/results.json",
    "runs export over the store": "runs export x -o {d}/store.sqlite",
}


@pytest.mark.parametrize("args", list(GUARDED.values()), ids=list(GUARDED))
def test_every_command_refuses_an_output_over_its_input_before_any_work(cli, inputs, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = _tree(inputs)
    result = cli(*args.replace("{d}", str(inputs)).split(), store=inputs / "store.sqlite")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == ExitCode.INPUT, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in result.stderr, result.stderr
    assert "input" in lines[0], lines[0]
    assert _tree(inputs) == before  # every input byte for byte, and no file added or removed


def test_the_guard_covers_every_command_that_writes():
    covered = {args.split()[0] if args.split()[0] != "ice" else " ".join(args.split()[:2]) for args in GUARDED.values()}
    writers = {"chat", "generate", "train", "teacher-cache", "eval", "select", "prune", "recipe", "rse", "ice --target"}
    writers |= {"ice judge", "audit", "report", "calibrate", "runs"}
    assert writers <= covered, writers - covered


@pytest.mark.parametrize("results_file", ["../../outside/rse.json", "/etc/hostname"])
def test_report_reads_only_inside_the_audit_folder(cli, inputs, tmp_path, results_file):
    import json
    import shutil

    audit = tmp_path / "deep" / "audit"
    shutil.copytree(inputs / "a", audit)
    (tmp_path / "outside").mkdir()
    shutil.copy(audit / "rse" / "rse.json", tmp_path / "outside" / "rse.json")
    results = json.loads((audit / "results.json").read_text())
    for stage in results["stages"]:
        stage["results_file"] = results_file
    (audit / "results.json").write_text(json.dumps(results))
    result = cli("report", "-i", str(audit), "-o", str(tmp_path / "report.html"))
    assert result.exit_code == ExitCode.INPUT, result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert "outside the audit folder" in line or "absolute path" in line, line
    assert not (tmp_path / "report.html").exists()


def test_control_characters_from_a_model_reach_no_file_but_stay_in_the_store(cli, tmp_path, store_path):
    """A reply with a screen clear, an OSC 8 link and a right-to-left override: every file written
    (the JSONL replies, RSE's CSV tables and JSONL) holds the words without the controls."""
    reply = "\x1b[2Jplain \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ \u202eupside\u202c done\x07"
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, [{"id": f"q{i}", "prompt": f"question {i}"} for i in range(3)])
    reference = ScriptedServer(lambda messages, _: "a plain answer", model="ref")
    target = ScriptedServer(lambda messages, _: reply, model="tgt")
    with reference as ref, target as tgt:
        chat = cli("chat", tgt.spec, "--prompts", str(prompts), "-o", str(tmp_path / "replies.jsonl"))
        rse = cli(
            *f"rse --reference {ref.spec} --targets {tgt.spec} --judge lexical --prompts {prompts} "
            f"-o {tmp_path / 'rse'}".split()
        )
    assert chat.exit_code == 0 and rse.exit_code == 0, chat.stderr + rse.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".jsonl", ".csv", ".json")]
    assert any(p.suffix == ".csv" for p in written) and len(written) >= 4
    for path in written:
        if path == prompts:
            continue
        text = path.read_text(encoding="utf-8")
        for control in ("\x1b", "\u202e", "\x07", "\\u001b", "\\u0007"):
            assert control not in text, (path.name, control)
    assert "plain link upside done" in (tmp_path / "replies.jsonl").read_text(encoding="utf-8")
    from distillscope.store import RunStore

    with RunStore(store_path) as store:
        texts = [
            r["response"]["choices"][0]["text"]
            for run in store.runs()
            for r in store.export_run(run.id)
            if r["status"] == "ok"
        ]
    assert reply in texts  # the store keeps every byte the model sent
