"""Every command the README and docs/ show is one the CLI accepts, as written.

Each ```bash block is read: its `distillscope ...` lines (continuations joined, comments dropped)
go through the real command parser, down to the sub-command, so an unknown flag, a flag of the
wrong type, a missing argument or a renamed command fails here rather than in a reader's terminal;
parsing needs no key, no GPU and no model. `make` targets must exist in the Makefile and `bench/`
scripts in bench/, with the flags shown in their source. The blocks whose files can be made at toy
size (`TOY_FILES`: recorded answers, a prompt file) are run as printed, in a folder holding them.
A dry run calls nothing and needs no key, so every `--dry-run` command shown, even in a block that
cannot run as a whole, is run as printed with no key set, unless it reads files the page does not
make (`--config`, local weights). The demo, `make demo`, is run by tests/test_demo.py.

A block that needs what cannot exist here (hub models, API keys, a server, a run in the store, a
built zoo, sizes for real models) says so in an HTML comment right before it, `<!-- toy: what is
swapped -->`, and runs in the toy world of tests/doubles/docs_world.py: the files it names made at
toy size, the YAML files the pages show written as shown, the rows of that module's substitution
table that occur in it applied (each with why), and every hosted provider reached at a real
OpenAI-compatible server on 127.0.0.1 with a dummy key. A block that still cannot run says why
(`<!-- not run: reason -->`), and only a GPU (or a llama.cpp server on a real model, which
tests/audit/test_ice_llama.py covers) is a reason. `-s` on `test_toy_blocks_are_marked_and_the_rest_say_why`
prints what every toy block swaps and the counts.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer

from distillscope.cli.app import app, click_errors  # typer's click: its own copy, in newer typer
from distillscope.models.providers import PROVIDERS
from distillscope.zoo.build import ZOO_ENV
from doubles.docs_world import DUMMY_KEY, SUBSTITUTES, ToyWorld, reach_providers_at, substitute, toy_provider
from doubles.gguf_export import write_llama_gguf
from doubles.scripted import ScriptedServer

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOT_RUN = re.compile(r"<!--\s*not run:\s*(.+?)\s*-->")
TOY = re.compile(r"<!--\s*toy:\s*(.+?)\s*-->")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    text: str
    not_run: str | None  # why it cannot run at toy size, when the page says so
    toy: str | None = None  # what is swapped to run it at toy size, when the page says so


def bash_blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, index = [], 0
    while index < len(lines):
        if lines[index].strip() == "```bash":
            start = index + 1
            end = next(i for i in range(start, len(lines)) if lines[i].strip() == "```")
            before = lines[index - 1] if index else ""
            reason, toy = NOT_RUN.search(before), TOY.search(before)
            text = "\n".join(lines[start:end])
            page = str(path.relative_to(ROOT))
            blocks.append(Block(page, start, text, reason.group(1) if reason else None, toy.group(1) if toy else None))
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
RUNNABLE = [
    (block, key)
    for block in ALL_BLOCKS
    if block.not_run is None and block.toy is None
    for key in TOY_FILES
    if key in block.text
]


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
    runs = {id(block) for block, _ in RUNNABLE} | {id(block) for block in ALL_BLOCKS if block.toy is not None}
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


# ---- Blocks that run with named substitutes (tests/doubles/docs_world.py) ----------------------------
# A block marked `<!-- toy: what is swapped -->` runs in a folder holding the files it names, made at toy
# size, with the rows of `SUBSTITUTES` that occur in it applied and every hosted provider reached at a real
# OpenAI-compatible server on 127.0.0.1. Every other change to a command is a defect of this harness.
SHOWN_FILE = re.compile(r"^#\s*([\w.-]+\.ya?ml)\b")
# A line of a block that the harness does not run, with why: it would change this machine, not show the tool.
NEWEST_RUN = "@newest-run"  # a page's run id, resolved when the command that names it runs
SKIPPED = {"make install": "installs torch into .venv, which the tests already run in"}
# Why a block may stay `not run` at all. A GPU: nothing on a CPU stands for one. And llama.cpp serving
# a real model (docs/ice.md): its server is a background shell job on a real 135M model, minutes at the
# page's budget on 2 cores; tests/audit/test_ice_llama.py runs that same path from a fixture, at five
# queries, whenever llama-cpp-python and the GGUF are installed.
CANNOT = ("GPU", "llama-cpp-python")


def shown_files() -> dict[str, str]:
    """The files a page shows in full (a ```yaml block opening with `# NAME.yaml`), by name."""
    files = {}
    for page in PAGES:
        for found in re.finditer(r"```ya?ml\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            name = SHOWN_FILE.match(found.group(1))
            if name:
                files[name.group(1)] = found.group(1)
    return files


TOY_BLOCKS = [block for block in ALL_BLOCKS if block.toy is not None]


@dataclass
class Step:
    words: list[str]
    heredoc: str | None = None  # the body a `cat > FILE <<EOF` line writes
    expected_error: str | None = None  # a `# error: ...` line right below a command: it must fail so


def steps(text: str) -> list[Step]:
    """The block's lines as a shell would read them: continuations joined, here-documents taken whole."""
    lines, out, index = re.sub(r"\\\n\s*", " ", text).splitlines(), [], 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        if line.startswith("# error:") and out:
            out[-1].expected_error = line.removeprefix("#").strip()
            continue
        line = line.split(" #")[0].strip() if not line.startswith("#") else ""
        if not line:
            continue
        heredoc = re.fullmatch(r"cat > (\S+) <<'?(\w+)'?", line)
        if heredoc:
            end = lines.index(heredoc.group(2), index)
            out.append(Step(["cat", ">", heredoc.group(1)], "\n".join(lines[index:end]) + "\n"))
            index = end + 1
            continue
        out.append(Step(shlex.split(line)))
    return out


def test_toy_blocks_are_marked_and_the_rest_say_why():
    """Counts, printed with -s: what runs as printed, with substitutes, as a dry run, and what cannot."""
    cannot = [b for b in ALL_BLOCKS if b.not_run is not None]
    swapped = {f"{b.page}:{b.line}": swaps(b) for b in TOY_BLOCKS}
    printed = len({id(b) for b, _ in RUNNABLE}) + sum(1 for found in swapped.values() if not found)
    print(
        f"\nblocks: {len(ALL_BLOCKS)}; run as printed {printed} (on toy files), with substitutes "
        f"{sum(1 for found in swapped.values() if found)}, dry-run commands {len(DRY_RUNS)}, cannot run {len(cannot)}"
    )
    for row in SUBSTITUTES:
        print(f"  swap {row.text!r} -> {row.replacement!r}: {row.why}")
    for where, found in swapped.items():
        print(f"  {where}: {'; '.join(found) or 'as printed, on toy files'}")
    for block in cannot:
        print(f"  cannot: {block.page}:{block.line}: {block.not_run}")
    assert not [b for b in TOY_BLOCKS if b.not_run is not None], "a block is either toy or not run"
    assert all(any(word in b.not_run for word in CANNOT) for b in cannot), [b.not_run for b in cannot]
    assert len(TOY_BLOCKS) >= 20
    used = {text for found in swapped.values() for text in found}
    assert [row.text for row in SUBSTITUTES if row.text not in used] == []  # no row stands for nothing


@pytest.fixture(scope="module")
def world(toy_model_dir, untrained_student_dir, other_tokenizer_student_dir, tmp_path_factory) -> Iterator[ToyWorld]:
    """The models, the GGUF file and the toy provider every toy block shares."""
    gguf = write_llama_gguf(toy_model_dir, tmp_path_factory.mktemp("docs-world") / "toy.gguf")
    with ScriptedServer(toy_provider, model="toy-provider") as server:
        yield ToyWorld(toy_model_dir, untrained_student_dir, other_tokenizer_student_dir, gguf, port=server.port)


def make_a_run_unless_there_is_one(cli, store_path: Path) -> None:
    """A block that lists or exports runs and made none before needs one: a chat call to the toy provider."""
    if not store_path.exists():
        assert cli("chat", "openai:gpt-4o-mini", "Who are you?").exit_code == 0


def newest_run(store_path: Path) -> str:
    """The run a page's run id stands for: the newest in the store (the block's own, when it made one)."""
    from distillscope.store import RunStore

    with RunStore(store_path) as store:
        return store.runs(limit=1)[0].id


def outputs(words: list[str]) -> list[str]:
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-o", "--output")]


def shown_in(text: str) -> dict[str, str]:
    """The shown files a block reads: those it names and does not write itself."""
    return {name: body for name, body in shown_files().items() if name in text and f"cat > {name}" not in text}


def prepare(block: Block, world: ToyWorld, folder: Path) -> str:
    """The block's text with its substitutes applied, and the files it names written into `folder`."""
    names = {**world.names(), "run_id": NEWEST_RUN}
    text = substitute(block.text, names)[0]
    shown = {name: substitute(body, names)[0] for name, body in shown_in(text).items()}
    for name, body in shown.items():
        (folder / name).write_text(body, encoding="utf-8")
    world.furnish(folder, "\n".join([text, *shown.values()]))
    return text


def swaps(block: Block) -> list[str]:
    """What a toy block's run swaps: the table's rows found in it and in the files it names, and the
    hosted providers it names (reached at the toy server)."""
    text = "\n".join([block.text, *shown_in(block.text).values()])
    rows = substitute(text, {name: "" for name in ToyWorld.names_used()})[1]
    hosted = [name for name, p in PROVIDERS.items() if not p.local and re.search(rf"\b{name}:[\w-]", text)]
    return [row.text for row in rows] + ([f"providers {', '.join(hosted)} at the toy server"] if hosted else [])


def run_step(step: Step, cli, store_path: Path, folder: Path, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if step.heredoc is not None:
        (folder / step.words[2]).write_text(step.heredoc, encoding="utf-8")
    elif step.words[0] == "export":
        for assignment in step.words[1:]:
            name, _, value = assignment.partition("=")
            monkeypatch.setenv(name, DUMMY_KEY if value == "..." else os.path.expandvars(value))
    elif step.words[0] == "distillscope":
        words = [os.path.expandvars(word) for word in step.words[1:]]
        if words[0] == "runs":
            make_a_run_unless_there_is_one(cli, store_path)
        if NEWEST_RUN in words:
            words = [newest_run(store_path) if word == NEWEST_RUN else word for word in words]
        result = cli(*words)
        if step.expected_error:
            assert result.exit_code == 2 and step.expected_error in result.stderr, f"{where}\n{result.stderr}"
            return
        assert result.exit_code == 0, f"{where}\n{result.stdout[-3000:]}\n{result.stderr}"
        assert all((folder / path).exists() for path in outputs(step.words)), f"{where}: no output"
    else:
        assert any(" ".join(step.words).startswith(line) for line in SKIPPED), f"{where}: not a command it runs"


@pytest.mark.slow
@pytest.mark.parametrize("block", TOY_BLOCKS, ids=lambda b: f"{b.page}:{b.line}")
def test_a_toy_block_runs_with_only_its_named_substitutes(
    block, world, cli, store_path, tmp_path, monkeypatch, request
):
    monkeypatch.chdir(tmp_path)
    reach_providers_at(world.port, monkeypatch)
    if "zoo" in block.text and "distillscope zoo" in block.text:  # the session's micro zoo, built once
        world.zoo = Path(request.getfixturevalue("micro_zoo").folder)
        monkeypatch.setenv(ZOO_ENV, str(world.zoo.parent))
    text = prepare(block, world, tmp_path)
    for step in steps(text):
        run_step(step, cli, store_path, tmp_path, f"{block.page}:{block.line}: `{' '.join(step.words)}`", monkeypatch)
    leaked = [str(path) for path in tmp_path.rglob("*") if path.is_file() and DUMMY_KEY.encode() in path.read_bytes()]
    assert leaked == [], "the key reached a file"  # the store, the outputs, the reports: keys live only in the env
