"""`select` (MiniPLM difference sampling) on the toy teacher and an untrained reference of the same tokenizer."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from distillscope.distill.common import TokenizerMismatch
from distillscope.distill.selection import CorpusSource, SelectJob, iter_documents, plan_select, select_corpus
from distillscope.distill.selection.difference_sampling import choose
from distillscope.fileio.jsonl import read_jsonl, write_jsonl
from distillscope.store import RunStore

TEXTS = [
    "What is the capital of Japan? The capital of Japan is Tokyo.",
    "zq vx plm qq jj zz kk wq",
    "What is 3 plus 4? 3 plus 4 is 7.",
    "Hello! How can I help you today?",
    "What colour is snow? Snow is white.",
    "The capital of Peru is Lima. The capital of Norway is Oslo.",
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.jsonl"
    write_jsonl(path, [{"id": f"doc{i}", "text": text, "source": "test"} for i, text in enumerate(TEXTS)])
    return path


def naive_mean_logprob(folder: Path, text: str) -> float:
    """Mean log-prob of each token after the first, from a plain transformers forward pass."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    ids = tokenizer(text, add_special_tokens=True).input_ids
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
    logprobs = torch.log_softmax(logits, dim=-1)
    picked = [float(logprobs[t, ids[t + 1]]) for t in range(len(ids) - 1)]
    return sum(picked) / len(picked)


def run_select(job: SelectJob, store_path: Path, **kwargs):
    with RunStore(store_path) as store:
        return asyncio.run(select_corpus(job, store, **kwargs))


def test_scores_are_teacher_minus_reference_and_the_top_half_is_kept(
    toy_model_dir, untrained_student_dir, corpus, tmp_path, store_path
):
    job = SelectJob(
        teacher=f"hf:{toy_model_dir}",
        reference=f"hf:{untrained_student_dir}",
        corpus=str(corpus),
        output=tmp_path / "out",
        batch_size=4,
    )
    summary = run_select(job, store_path)
    rows = [row for _, row in read_jsonl(job.output / "scores.jsonl")]
    assert [row["id"] for row in rows] == [f"doc{i}" for i in range(len(TEXTS))]
    for row, text in zip(rows, TEXTS, strict=True):
        teacher = naive_mean_logprob(toy_model_dir, text)
        reference = naive_mean_logprob(untrained_student_dir, text)
        assert row["teacher"] == pytest.approx(teacher, abs=1e-4)
        assert row["reference"] == pytest.approx(reference, abs=1e-4)
        assert row["score"] == pytest.approx(teacher - reference, abs=2e-4)
    ranked = sorted(rows, key=lambda r: -r["score"])
    top_ids = {r["id"] for r in ranked[:3]}
    assert {r["id"] for r in rows if r["selected"]} == top_ids
    kept = [record for _, record in read_jsonl(job.output / "selected.jsonl")]
    assert [k["id"] for k in kept] == [r["id"] for r in rows if r["id"] in top_ids]  # stream order, records whole
    assert all(k["source"] == "test" for k in kept)
    assert summary.selected_documents == 3 and summary.threshold == pytest.approx(ranked[2]["score"])
    assert "doc1" not in top_ids  # the noise line: the trained teacher predicts it no better than a random model
    page = (job.output / "histogram.html").read_text()
    assert "plotly" in page.lower() and "cut" in page and "<script src=" not in page
    written = json.loads((job.output / "summary.json").read_text())
    assert written["selected_documents"] == 3 and written["documents"] == len(TEXTS)


def test_token_budget_keeps_the_best_documents_that_fit(
    toy_model_dir, untrained_student_dir, corpus, tmp_path, store_path
):
    base = {"teacher": f"hf:{toy_model_dir}", "reference": f"hf:{untrained_student_dir}", "corpus": str(corpus)}
    first = run_select(SelectJob(**base, output=tmp_path / "a"), store_path)
    rows = sorted((r for _, r in read_jsonl(first.output / "scores.jsonl")), key=lambda r: -r["score"])
    budget = rows[0]["tokens"] + rows[1]["tokens"] + rows[2]["tokens"] - 1  # the third best no longer fits
    summary = run_select(SelectJob(**base, output=tmp_path / "b", token_budget=budget), store_path)
    kept = {r["id"] for _, r in read_jsonl(summary.output / "scores.jsonl") if r["selected"]}
    assert kept == {rows[0]["id"], rows[1]["id"]}
    assert summary.selected_tokens == rows[0]["tokens"] + rows[1]["tokens"] <= budget
    assert all(u.calls == 0 for u in summary.usage)  # the second job was answered by the store


def test_each_document_is_scored_on_its_first_max_tokens(
    toy_model_dir, untrained_student_dir, corpus, tmp_path, store_path
):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(toy_model_dir)
    job = SelectJob(
        teacher=f"hf:{toy_model_dir}",
        reference=f"hf:{untrained_student_dir}",
        corpus=str(corpus),
        output=tmp_path / "out",
        max_tokens=5,
    )
    run_select(job, store_path)
    rows = [row for _, row in read_jsonl(job.output / "scores.jsonl")]
    for row, text in zip(rows, TEXTS, strict=True):
        ids = tokenizer(text, add_special_tokens=False).input_ids
        assert row["tokens"] == len(ids)  # the budget counts whole documents
        assert row["scored_tokens"] == min(len(ids), 5) - 1  # the first token has nothing before it
        assert row["teacher"] == pytest.approx(naive_mean_logprob(toy_model_dir, tokenizer.decode(ids[:5])), abs=1e-4)


class Killed(Exception):
    pass


def test_a_killed_run_resumes_without_rescoring(toy_model_dir, untrained_student_dir, corpus, tmp_path, store_path):
    job = SelectJob(
        teacher=f"hf:{toy_model_dir}",
        reference=f"hf:{untrained_student_dir}",
        corpus=str(corpus),
        output=tmp_path / "out",
        batch_size=2,
    )

    def die_after_first_batch(done: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        run_select(job, store_path, on_batch=die_after_first_batch)
    assert not (job.output / "selected.jsonl").exists()
    resumed = run_select(job, store_path)
    assert [(u.calls, u.cached) for u in resumed.usage] == [(4, 2), (4, 2)]  # only the 4 unscored documents
    again = run_select(job, store_path)
    assert [(u.calls, u.cached) for u in again.usage] == [(0, 6), (0, 6)]
    same = (job.output / "scores.jsonl").read_text()
    assert json.loads(same.splitlines()[0])["id"] == "doc0"


def test_dry_run_counts_documents_and_tokens_without_a_model(toy_model_dir, untrained_student_dir, corpus, cli):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(toy_model_dir)
    tokens = [len(tokenizer(t, add_special_tokens=False).input_ids) for t in TEXTS]
    job = SelectJob(
        teacher=f"hf:{toy_model_dir}",
        reference=f"hf:{untrained_student_dir}",
        corpus=str(corpus),
        output=corpus.parent / "out",
        max_tokens=10,
        batch_size=4,
    )
    plan = plan_select(job)
    assert (plan.documents, plan.tokens) == (len(TEXTS), sum(tokens))
    assert plan.scored_tokens == sum(min(n, 10) for n in tokens) and plan.forward_passes == 2
    store = corpus.parent / "store.sqlite"
    result = cli(
        "select",
        "--teacher",
        f"hf:{toy_model_dir}",
        "--reference",
        f"hf:{untrained_student_dir}",
        "--corpus",
        str(corpus),
        "-o",
        str(corpus.parent / "out"),
        "--dry-run",
        store=store,
    )
    assert result.exit_code == 0, result.stderr
    assert f"{len(TEXTS)} documents, {sum(tokens)} tokens" in result.stdout
    assert not (corpus.parent / "out").exists() and not store.exists()


def test_a_mismatched_tokenizer_is_one_clear_line(toy_model_dir, corpus, tmp_path, cli):
    from distillscope.zoo.tinymodels import make_tiny_model, save_model, train_bpe_tokenizer

    other = train_bpe_tokenizer(["completely different text about rivers and mountains"] * 20, vocab_size=300)
    folder = save_model(make_tiny_model(other, seed=1), other, tmp_path / "other")
    job = SelectJob(teacher=f"hf:{toy_model_dir}", reference=f"hf:{folder}", corpus=str(corpus), output=tmp_path / "o")
    with pytest.raises(TokenizerMismatch, match="tokenizers differ"):
        plan_select(job)
    result = cli(
        "select", "--teacher", f"hf:{toy_model_dir}", "--reference", f"hf:{folder}", "--corpus", str(corpus), "-o", "x"
    )
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "teacher and reference tokenizers differ" in lines[0]
    assert "Traceback" not in result.stderr


def test_text_files_and_datasets_folders_are_streamed_as_documents(tmp_path):
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.txt").write_text("second file")
    (folder / "a.md").write_text("first file\nwith two lines")
    (folder / "sub" / "c.txt").write_text("nested")
    (folder / "skip.bin").write_bytes(b"\x00")
    docs = list(iter_documents(CorpusSource(path=str(folder))))
    assert [(d.index, d.id, d.text) for d in docs] == [
        (0, "a.md", "first file\nwith two lines"),
        (1, "b.txt", "second file"),
        (2, "sub/c.txt", "nested"),
    ]
    lines = tmp_path / "lines.txt"
    lines.write_text("one\n\ntwo\n")
    assert [(d.id, d.text) for d in iter_documents(CorpusSource(path=str(lines)))] == [("1", "one"), ("3", "two")]
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    write_jsonl(dataset / "train.jsonl", [{"body": {"text": f"row {i}"}} for i in range(3)])
    source = CorpusSource(path=f"hf:{dataset}", text_field="body.text")
    assert [d.text for d in iter_documents(source)] == ["row 0", "row 1", "row 2"]


def test_choose_is_deterministic_and_never_keeps_an_unscored_document():
    scores = np.array([0.5, np.nan, 2.0, 0.5, -1.0, 0.5])
    tokens = np.array([10, 10, 10, 10, 10, 10])
    picked = choose(scores, tokens, share=0.5)
    assert picked.keep.tolist() == [True, False, True, True, False, False]  # 5 scored → 3 kept; ties by order
    assert picked.threshold == 0.5
    assert choose(scores, tokens, token_budget=25).keep.tolist() == [True, False, True, False, False, False]
    nothing_fits = choose(scores, tokens, token_budget=5)
    assert nothing_fits.count == 0 and nothing_fits.threshold is None
    assert choose(np.array([np.nan]), np.array([3])).count == 0
    assert choose(scores, tokens, share=1.0).count == 5
