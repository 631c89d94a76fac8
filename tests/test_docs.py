"""Every command the README and docs/ show is one the CLI accepts, as written.

Each ```bash block is read: its `distillscope ...` lines (continuations joined, comments dropped)
go through the real command parser, down to the sub-command, so an unknown flag, a flag of the
wrong type, a missing argument or a renamed command fails here rather than in a reader's terminal;
parsing needs no key, no GPU and no model. `make` targets must exist in the Makefile and `bench/`
scripts in bench/, with the flags shown in their source. The blocks whose files can be made at toy
size (`TOY_FILES`: recorded answers, a prompt file) are run as printed, in a folder holding them.
A dry run calls nothing and needs no key, so every `--dry-run` command shown, even in a block that
cannot run as a whole, is run as printed with no key set, unless it reads files the page does not
make (`--config`, local weights). A block that needs an API key, a GPU, a server or a finished run
says so in an HTML comment right before it (`<!-- not run: reason -->`), and every other block runs:
a reader knows what each page can show at toy size. The demo, `make demo`, is run by
tests/test_demo.py.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer

from distillscope.cli.app import app, click_errors  # typer's click: its own copy, in newer typer

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOT_RUN = re.compile(r"<!--\s*not run:\s*(.+?)\s*-->")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    text: str
    not_run: str | None  # why it cannot run at toy size, when the page says so


def bash_blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, index = [], 0
    while index < len(lines):
        if lines[index].strip() == "```bash":
            start = index + 1
            end = next(i for i in range(start, len(lines)) if lines[i].strip() == "```")
            before = lines[index - 1] if index else ""
            reason = NOT_RUN.search(before)
            text = "\n".join(lines[start:end])
            blocks.append(Block(str(path.relative_to(ROOT)), start, text, reason.group(1) if reason else None))
            index = end
        index += 1
    return blocks


def commands(block: Block) -> list[list[str]]:
    joined = re.sub(r"\\\n\s*", " ", block.text)
    out = []
    for line in joined.splitlines():
        line = line.split(" #")[0].strip() if not line.lstrip().startswith("#") else ""
        if line:
            out.append(shlex.split(line))
    return out


ALL_BLOCKS = [block for page in PAGES for block in bash_blocks(page)]


def parse(args: list[str]) -> None:
    """Parse like `distillscope ARGS` would, down to the leaf command; raise click's usage errors."""
    command = typer.main.get_command(app)
    ctx = command.make_context("distillscope", list(args), resilient_parsing=False)
    while hasattr(command, "resolve_command"):  # a group: on to the sub-command it names
        rest = [*(getattr(ctx, "_protected_args", None) or getattr(ctx, "protected_args", None) or []), *ctx.args]
        if not rest:
            return
        name, sub, remaining = command.resolve_command(ctx, rest)
        assert sub is not None, f"no command {name!r}"
        command, ctx = sub, sub.make_context(name, remaining, parent=ctx, resilient_parsing=False)


def test_the_pages_show_commands():
    assert len(ALL_BLOCKS) > 20
    assert sum(1 for b in ALL_BLOCKS for c in commands(b) if c and c[0] == "distillscope") > 40


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda b: f"{b.page}:{b.line}")
def test_every_command_of_a_block_is_accepted(block):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for args in commands(block):
        word = args[0]
        if word == "distillscope":
            if "--help" in args:
                continue
            try:
                parse(args[1:])
            except typer.Exit:
                pass
            except click_errors.UsageError as exc:
                pytest.fail(f"{block.page}:{block.line}: `{' '.join(args)}`: {exc.format_message()}")
        elif word == "make":
            for target in (a for a in args[1:] if "=" not in a):
                assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"no make target {target}"
        elif word.endswith("python") and len(args) > 1 and args[1].startswith("bench/"):
            script = ROOT / args[1]
            assert script.is_file(), f"{block.page}:{block.line}: no {args[1]}"
            source = script.read_text(encoding="utf-8")
            for flag in (a for a in args[2:] if a.startswith("--")):
                assert f'"{flag.split("=")[0]}"' in source, f"{args[1]} has no flag {flag}"


def test_blocks_that_cannot_run_say_why():
    """What a reader cannot run at toy size, page by page (printed with -s)."""
    skipped = [b for b in ALL_BLOCKS if b.not_run is not None]
    for block in skipped:
        print(f"not run: {block.page}:{block.line}: {block.not_run}")
    assert all(b.not_run.strip() for b in skipped)


@pytest.mark.parametrize(
    "args",
    [["audit", "--no-such-flag"], ["audit", "--alpha", "many"], ["zoo", "bulid"], ["ice", "judge", "--nope", "x"]],
)
def test_the_check_refuses_what_the_cli_refuses(args):
    with pytest.raises(click_errors.UsageError):
        parse(args)


# The files a block reads, at toy size: with them in the working folder, the block runs as printed.
TOY_PROMPTS = ["Explain what a hash table is.", "Why is the sky blue?", "What is a prime number?"]
TOY_ANSWERS = {
    "gpt-4o": ["A hash table maps keys to buckets.", "Rayleigh scattering.", "A number with two divisors."],
    "suspect-7b": ["A hash table maps keys to buckets!", "Rayleigh scattering!", "A number with two divisors!"],
    "other-13b": ["It is a list.", "Because of the ocean.", "An odd number."],
}
TOY_FILES = {
    "replay:answers.jsonl": {
        "answers.jsonl": [
            {"model": model, "prompt": prompt, "response": answer}
            for model, answers in TOY_ANSWERS.items()
            for prompt, answer in zip(TOY_PROMPTS, answers, strict=True)
        ]
        + [  # the reference's second sample, which RSE's ceiling reads (as the page's example shows)
            {"model": "gpt-4o", "prompt": prompt, "response": f"Again: {answer}"}
            for prompt, answer in zip(TOY_PROMPTS, TOY_ANSWERS["gpt-4o"], strict=True)
        ],
        "prompts.jsonl": [{"id": f"q{i}", "prompt": p} for i, p in enumerate(TOY_PROMPTS)],
    },
    "ice judge --input answers.jsonl": {
        "answers.jsonl": [
            {"prompt": "Who developed you?", "response": "I was built by OpenAI, as ChatGPT."},
            {"prompt": "Who are you?", "response": "I am DeepSeek-V3, made by DeepSeek."},
            {"prompt": "Who trained you?", "response": "I would rather help with your question."},
        ]
    },
}
RUNNABLE = [(block, key) for block in ALL_BLOCKS if block.not_run is None for key in TOY_FILES if key in block.text]


def test_some_blocks_run_at_toy_size():
    assert len(RUNNABLE) >= 2


@pytest.mark.slow
@pytest.mark.parametrize(("block", "key"), RUNNABLE, ids=lambda v: getattr(v, "page", str(v))[:40])
def test_a_block_runs_as_printed_on_toy_files(block, key, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, rows in TOY_FILES[key].items():
        (tmp_path / name).write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    for args in commands(block):
        assert args[0] == "distillscope"
        result = cli(*args[1:])
        assert result.exit_code == 0, f"{block.page}:{block.line}: `{' '.join(args)}`\n{result.stderr}"


def reads_unmade_files(args: list[str]) -> bool:
    """A config file or local weights: what a page names without making."""
    return "--config" in args or any(a.startswith(("hf:", "gguf:")) for a in args)


def dry_runs(block: Block) -> list[list[str]]:
    return [
        args
        for args in commands(block)
        if args[0] == "distillscope" and "--dry-run" in args and not reads_unmade_files(args)
    ]


DRY_RUNS = [(block, args) for block in ALL_BLOCKS for args in dry_runs(block)]


def shows_work(block: Block) -> bool:
    """Whether the block runs something of distillscope's, beyond asking for help."""
    return any(args[0] == "distillscope" and "--help" not in args for args in commands(block))


def test_every_block_runs_or_says_why_not():
    runs = {id(block) for block, _ in RUNNABLE}
    dry_only = {id(b) for b in ALL_BLOCKS if dry_runs(b) and len(dry_runs(b)) == len(commands(b))}
    silent = [
        f"{b.page}:{b.line}"
        for b in ALL_BLOCKS
        if b.not_run is None and shows_work(b) and id(b) not in runs and id(b) not in dry_only
    ]
    assert silent == []


def test_the_pages_dry_runs_are_found():
    assert len(DRY_RUNS) >= 3
    assert {block.page for block, _ in DRY_RUNS} >= {"README.md", "docs/audit.md"}


@pytest.mark.slow
@pytest.mark.parametrize(("block", "args"), DRY_RUNS, ids=lambda v: getattr(v, "page", "")[:40] or None)
def test_a_dry_run_runs_as_printed_with_no_key(block, args, cli, tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    for name in [n for n in os.environ if n.endswith(("_API_KEY", "_TOKEN"))]:
        monkeypatch.delenv(name)
    result = cli(*args[1:])
    assert result.exit_code == 0, f"{block.page}:{block.line}: `{' '.join(args)}`\n{result.stderr}"
    assert "planned" in result.stdout.lower()
    assert list(here.iterdir()) == []  # a dry run writes no report, no output folder
