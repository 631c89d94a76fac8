"""A method that can measure nothing (white-box agreement with an API reference) warns once and the
audit goes on: its results folder holds no file, and the report is still rebuilt from the results."""

from __future__ import annotations

from distillscope.fileio.jsonl import write_jsonl
from doubles.scripted import ScriptedServer


def test_agreement_with_a_remote_reference_warns_and_the_audit_goes_on(cli, tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, [{"id": f"q{i}", "prompt": f"question {i}"} for i in range(3)])
    reference = ScriptedServer(lambda messages, _: "an answer", model="ref")
    target = ScriptedServer(lambda messages, _: "another answer", model="tgt")
    with reference as ref, target as tgt:
        result = cli(
            *f"audit --reference {ref.spec} --targets {tgt.spec} --methods rse,agreement --sources openai "
            f"--judge lexical --prompts {prompts} -o {tmp_path / 'audit'}".split()
        )
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "agreement:" in line and "not a local model" in line]
    assert len(warnings) == 1, result.stderr
    assert (tmp_path / "audit" / "report.html").is_file()
    rebuilt = cli("report", "-i", str(tmp_path / "audit"), "-o", str(tmp_path / "again.html"))
    assert rebuilt.exit_code == 0 and (tmp_path / "again.html").is_file(), rebuilt.stderr
