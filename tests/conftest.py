"""Shared fixtures: one tiny trained chat model, a real `transformers serve` in front of it, and a
way to run the CLI in-process. Nothing here touches the network beyond 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from doubles.server import LocalServer
from doubles.toy import build_toy_model


@pytest.fixture(scope="session")
def toy_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Llama chat model trained on the toy world (a few seconds on CPU)."""
    return build_toy_model(tmp_path_factory.mktemp("models") / "toy", steps=300)


@pytest.fixture(scope="session")
def server(toy_model_dir: Path) -> Iterator[LocalServer]:
    with LocalServer(toy_model_dir) as running:
        yield running


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.sqlite"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], store_path: Path):
    """Run `distillscope ...` in this process; returns exit code and captured output."""
    from distillscope.cli.app import main

    def run(*args: str, store: Path | None = None) -> CliResult:
        capsys.readouterr()
        code = 0
        try:
            main(["--store", str(store or store_path), *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def untrained_student_dir(toy_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny model sharing the toy model's tokenizer: a student with everything to learn."""
    from distillscope.distill.common import load_tokenizer
    from distillscope.zoo.tinymodels import make_tiny_model, save_model

    tokenizer = load_tokenizer(toy_model_dir)
    return save_model(make_tiny_model(tokenizer, seed=7), tokenizer, tmp_path_factory.mktemp("models") / "student")


@pytest.fixture(scope="session")
def other_tokenizer_student_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random student whose tokenizer is trained separately, smaller and on other text than the toy
    model's: other merges and ids, what cross-tokenizer distillation has to bridge."""
    from distillscope.zoo.tinymodels import make_tiny_model, save_model, train_bpe_tokenizer
    from doubles.toy import toy_conversations

    texts = [turn["content"] for conv in toy_conversations(300, seed=42) for turn in conv]
    tokenizer = train_bpe_tokenizer(texts[::2], vocab_size=300)
    return save_model(make_tiny_model(tokenizer, seed=5), tokenizer, tmp_path_factory.mktemp("models") / "other")


@pytest.fixture(scope="session")
def toy_chat_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Training and held-out chat JSONL from the toy world (different seeds, so different items)."""
    from distillscope.fileio.jsonl import write_jsonl
    from doubles.toy import toy_conversations

    folder = tmp_path_factory.mktemp("data")
    train, held = folder / "train.jsonl", folder / "held.jsonl"
    write_jsonl(train, [{"messages": c} for c in toy_conversations(160, seed=3)])
    write_jsonl(held, [{"messages": c} for c in toy_conversations(32, seed=9)])
    return train, held


@pytest.fixture(scope="session")
def micro_zoo(tmp_path_factory: pytest.TempPathFactory):
    """The micro zoo, built once per test session (about a minute on 2 cores)."""
    from distillscope.zoo.build import build_zoo
    from distillscope.zoo.config import ZooConfig

    return build_zoo(ZooConfig(size="micro"), tmp_path_factory.mktemp("zoo"))
