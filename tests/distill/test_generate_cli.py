"""`distillscope generate` from the command line: flags, a YAML job, and one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

from distillscope.fileio.jsonl import write_jsonl
from doubles.toy import TOY_PROMPTS


def prompts_file(folder: Path) -> Path:
    path = folder / "prompts.jsonl"
    write_jsonl(path, [{"id": f"p{i}", "prompt": p} for i, p in enumerate(TOY_PROMPTS)])
    return path


def table_value(stdout: str, row: str) -> int:
    match = re.search(rf"{re.escape(row)}\s*│\s*(\d+)", stdout)
    assert match, stdout
    return int(match.group(1))


def planned(stdout: str) -> tuple[int, int, int]:
    match = re.search(r"planned: (\d+) calls, (\d+) in store, (\d+) new", stdout)
    assert match, stdout
    return int(match[1]), int(match[2]), int(match[3])


def one_line_error(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and "Traceback" not in result.stderr + result.stdout
    return lines[0]


def test_generate_with_flags_then_the_same_job_from_yaml(cli, toy_model_dir, tmp_path):
    prompts, by_flags, by_file = prompts_file(tmp_path), tmp_path / "flags.jsonl", tmp_path / "file.jsonl"
    args = ["--temperature", "0", "--max-tokens", "12", "-n", "2", "--min-chars", "3"]
    dry = cli("generate", f"hf:{toy_model_dir}", "-s", str(prompts), "-o", str(by_flags), *args, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert planned(dry.stdout) == (2 * len(TOY_PROMPTS), 0, 2 * len(TOY_PROMPTS)) and not by_flags.exists()
    result = cli("generate", f"hf:{toy_model_dir}", "-s", str(prompts), "-o", str(by_flags), *args)
    assert result.exit_code == 0, result.stderr
    summary = json.loads((tmp_path / "flags.summary.json").read_text())
    assert summary["requested"] == 2 * len(TOY_PROMPTS) and summary["usage"][0]["calls"] == 2 * len(TOY_PROMPTS)
    rejected = [json.loads(line) for line in (tmp_path / "flags.rejected.jsonl").read_text().splitlines()]
    assert summary["dropped"]["duplicate"] == sum(r["drop_reason"] == "duplicate" for r in rejected) > 0
    pairs = [(r["messages"][0]["content"], r["messages"][-1]["content"]) for r in map(json.loads, by_flags.open())]
    assert len(set(pairs)) == len(pairs)  # greedy second samples repeat the first, and only one is kept
    assert table_value(result.stdout, "dropped: duplicate") == summary["dropped"]["duplicate"]
    assert table_value(result.stdout, "kept") == summary["kept"] == len(by_flags.read_text().splitlines())

    job = tmp_path / "job.yaml"
    job.write_text(
        f"teacher: hf:{toy_model_dir}\nsource: {prompts}\noutput: {by_file}\nn: 2\n"
        "params:\n  temperature: 0\n  max_tokens: 12\nfilters:\n  min_chars: 3\n"
    )
    assert planned(cli("generate", "--config", str(job), "--dry-run").stdout) == (2 * len(TOY_PROMPTS),) * 2 + (0,)
    again = cli("generate", "--config", str(job))
    assert again.exit_code == 0, again.stderr
    assert by_file.read_bytes() == by_flags.read_bytes()
    assert json.loads((tmp_path / "file.summary.json").read_text())["usage"][0]["calls"] == 0

    overridden = cli("generate", "--config", str(job), "-n", "1", "--no-dedup")
    assert overridden.exit_code == 0, overridden.stderr
    summary = json.loads((tmp_path / "file.summary.json").read_text())
    assert summary["requested"] == len(TOY_PROMPTS) and "duplicate" not in summary["dropped"]
    assert summary["usage"][0]["calls"] == 0  # the first samples are in the store already


def test_bad_config_line_is_one_line_with_file_and_line(cli, tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text("teacher: openai:gpt-4o-mini\nsource: x.jsonl\noutput: out.jsonl\nfilters:\n  min_chars: lots\n")
    line = one_line_error(cli("generate", "--config", str(job)))
    assert f"{job}:5:" in line and "filters.min_chars" in line
    job.write_text(
        "teacher: openai:gpt-4o-mini\nsource: x.jsonl\noutput: out.jsonl\njudge:\n  model: j\n  treshold: 7\n"
    )
    line = one_line_error(cli("generate", "--config", str(job)))
    assert f"{job}:6:" in line and "judge.treshold" in line


def test_missing_source_and_bad_mode_are_one_line(cli, tmp_path):
    line = one_line_error(cli("generate", "openai:gpt-4o-mini", "-s", str(tmp_path / "none.jsonl"), "-o", "o.jsonl"))
    assert "none.jsonl" in line and "file not found" in line
    line = one_line_error(cli("generate", "openai:gpt-4o-mini", "-s", "x.jsonl", "-o", "o.jsonl", "--mode", "poem"))
    assert "mode" in line
