"""GGUF files as models: a file the test writes itself (float32, the toy model) is loaded as teacher,
student and chat model, and gives the toy model's own logits."""

from __future__ import annotations

import json
import sys

import pytest
import torch

from distillscope.errors import ModelFolderError
from distillscope.models.gguf_files import is_gguf_source
from distillscope.models.hf_loading import model_source
from doubles.gguf_export import write_llama_gguf


@pytest.fixture(scope="module")
def toy_gguf(toy_model_dir, tmp_path_factory):
    return write_llama_gguf(toy_model_dir, tmp_path_factory.mktemp("gguf") / "toy.gguf")


def test_both_spec_forms_name_the_file_and_a_folder_is_not_taken_for_one():
    assert model_source("gguf:./m/smol.gguf") == "./m/smol.gguf" == model_source("hf:./m/smol.gguf")
    assert is_gguf_source("./m/Smol.Q4_1.GGUF") and not is_gguf_source("./m/smol")


def test_a_gguf_file_gives_the_same_tokens_and_logits_as_the_folder_it_was_written_from(toy_model_dir, toy_gguf):
    from distillscope.distill.common import load_model, load_tokenizer

    folder_tokenizer, file_tokenizer = load_tokenizer(toy_model_dir), load_tokenizer(f"gguf:{toy_gguf}")
    text = "What is 2 + 2? Four.<|im_end|>"
    ids = folder_tokenizer(text).input_ids
    assert file_tokenizer(text).input_ids == ids
    assert file_tokenizer.chat_template == folder_tokenizer.chat_template
    assert file_tokenizer.pad_token == folder_tokenizer.pad_token
    with torch.no_grad():
        expected = load_model(toy_model_dir).eval()(torch.tensor([ids])).logits
        got = load_model(f"hf:{toy_gguf}").eval()(torch.tensor([ids])).logits
    assert torch.allclose(got, expected, atol=1e-5)


def test_a_missing_or_broken_gguf_file_or_a_missing_package_is_one_line(
    cli, toy_chat_data, toy_gguf, tmp_path, monkeypatch
):
    held = str(toy_chat_data[1])
    result = cli("eval", "--student", f"hf:{tmp_path / 'absent.gguf'}", "--data", held)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and "no GGUF file at" in lines[0]
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF, or so it says")
    result = cli("eval", "--student", f"hf:{broken}", "--data", held)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and f"from GGUF file {broken}" in lines[0]
    monkeypatch.setitem(sys.modules, "gguf", None)  # as if the package were not installed
    result = cli("eval", "--student", f"hf:{toy_gguf}", "--data", held)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and "needs the `gguf` package" in lines[0]


def test_a_gguf_teacher_drives_kd_the_teacher_cache_and_eval(cli, toy_model_dir, toy_chat_data, toy_gguf, tmp_path):
    train, held = toy_chat_data
    result = cli(
        "train", "--mode", "kd", "--student", f"hf:{toy_model_dir}", "--teacher", f"gguf:{toy_gguf}",
        "--data", str(train), "--max-steps", "2", "--batch-size", "4", "-o", str(tmp_path / "kd"),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    result = cli(
        "teacher-cache", "--teacher", f"hf:{toy_gguf}", "--data", str(held), "-k", "8", "--max-length", "128",
        "-o", str(tmp_path / "cache"),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "cache" / "meta.json").read_text())["k"] == 8
    result = cli("eval", "--student", f"hf:{toy_gguf}", "--teacher", f"hf:{toy_model_dir}", "--data", str(held))
    assert result.exit_code == 0, result.stderr
    from distillscope.distill.training import EvalJob, evaluate

    same = evaluate(EvalJob(student=f"gguf:{toy_gguf}", teacher=f"hf:{toy_model_dir}", data=str(held), device="cpu"))
    assert same.top1_agreement == 1.0 and same.mean_kl == pytest.approx(0.0, abs=1e-5)
    alone = evaluate(EvalJob(student=f"hf:{toy_model_dir}", data=str(held), device="cpu"))
    assert same.perplexity == pytest.approx(alone.perplexity, rel=1e-5)


def test_a_gguf_chat_model_is_fingerprinted_by_its_file(toy_gguf, tmp_path):
    from distillscope.models.hf_loading import folder_fingerprint, local_model_folder

    path = local_model_folder(str(toy_gguf))
    assert path == toy_gguf.resolve()
    before = folder_fingerprint(path)
    copy = tmp_path / "toy.gguf"
    copy.write_bytes(toy_gguf.read_bytes()[:-4] + b"\x00\x00\x00\x01")
    assert folder_fingerprint(copy) != before
    (tmp_path / "dir.gguf").mkdir()
    with pytest.raises(ModelFolderError, match="is a folder, not a GGUF file"):
        local_model_folder(str(tmp_path / "dir.gguf"))
