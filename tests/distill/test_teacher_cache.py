"""The offline top-k teacher cache: compact, exact round trip, resumable, tied to its data."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
import torch

from distillscope.distill.common import (
    IGNORE,
    DistillCollator,
    build_examples,
    load_model,
    load_tokenizer,
    load_training_records,
    vocab_rows,
)
from distillscope.distill.signal import (
    KDLoss,
    TeacherCache,
    TeacherSignal,
    build_teacher_cache,
    distill_loss_sums,
    output_head,
)
from distillscope.distill.signal.teacher_cache import PROGRESS_FILE, decode_ids, encode_ids, id_width
from distillscope.errors import InputError


@pytest.fixture(scope="module")
def setup(toy_model_dir, toy_chat_data):
    tokenizer = load_tokenizer(toy_model_dir)
    teacher = load_model(toy_model_dir).eval()
    examples = build_examples(tokenizer, load_training_records(toy_chat_data[0]), 256)[:24]
    return tokenizer, teacher, examples


@pytest.mark.parametrize("vocab", [300, 70_000, 152_064])
def test_ids_round_trip_at_every_width(vocab):
    ids = np.random.default_rng(0).integers(0, vocab, size=(5, 7))
    width = id_width(vocab)
    assert width == (2 if vocab <= 65536 else 3)
    assert np.array_equal(decode_ids(encode_ids(ids, width), width, 7), ids)


def _direct_topk(teacher, tokenizer, example, k):
    with torch.no_grad():
        logits = teacher(input_ids=torch.tensor([example.input_ids])).logits[0].float()
    logprobs = torch.log_softmax(logits, -1)[example.loss_positions]
    return torch.topk(logprobs, k)


@pytest.mark.parametrize("version", [2, 3])
def test_cache_round_trips_against_the_teacher(setup, tmp_path, version):
    tokenizer, teacher, examples = setup
    cache = build_teacher_cache(
        teacher, vocab_rows(teacher), examples, tmp_path / "c", k=8, batch_size=5, format_version=version
    )
    reopened = TeacherCache.open(tmp_path / "c")
    assert reopened.meta.tokens == sum(len(e.loss_positions) for e in examples)
    assert reopened.meta.format_version == version
    for index in (0, 7, 23):
        rows = reopened.rows(index)
        values, expected_ids = _direct_topk(teacher, tokenizer, examples[index], 8)
        assert np.array_equal(np.sort(rows.ids, 1), np.sort(expected_ids.numpy(), 1))
        # float16 storage (format 2); log-spaced 10-bit codes with the exact tail (format 3): highest first
        order = np.argsort(-values.numpy(), axis=1, kind="stable")
        expected = np.take_along_axis(values.numpy(), order, axis=1)
        assert np.allclose(rows.logprobs, expected, rtol=1e-2, atol=2e-2)
        assert np.all(np.diff(rows.logprobs, axis=1) <= 0)
    offsets = 8 * (len(examples) + 1) / reopened.meta.tokens
    if version == 2:  # 8 ids of 2 bytes + 8 float16 log-probs
        assert cache.meta.bytes_per_token == pytest.approx(32 + offsets)
    else:  # 8 ids of 5 low bits + a 20-bit bitmap, 8 x 10 bits, a 16-bit tail: 156 bits; then 3 tail
        # samples of 7 low bits + a 7-bit bitmap and an 8-bit entropy: 36 bits; 192 in all
        assert cache.meta.tail_samples == 3
        assert cache.meta.bytes_per_token == pytest.approx(24 + offsets)


def test_format_3_is_under_100_bytes_per_token_at_k32_and_a_qwen_vocabulary(setup, tmp_path, toy_model_dir):
    _, _, examples = setup
    wide = load_model(toy_model_dir).eval()
    wide.resize_token_embeddings(152_064, mean_resizing=False)
    cache = build_teacher_cache(wide, 152_064, examples[:4], tmp_path / "wide", k=32, tail_samples=0)
    old = build_teacher_cache(wide, 152_064, examples[:4], tmp_path / "old", k=32, format_version=2)
    sampled = build_teacher_cache(wide, 152_064, examples[:4], tmp_path / "sampled", k=32)
    assert cache.meta.row_bytes == 99 and old.meta.row_bytes == 160
    assert sampled.meta.row_bytes == 107  # three tail samples: 45 low bits, an 8-bit bitmap, 8 of entropy
    assert (tmp_path / "wide" / "rows.bin").stat().st_size == 99 * cache.meta.tokens
    new_rows, old_rows = cache.rows(2), old.rows(2)
    assert np.array_equal(np.sort(new_rows.ids, 1), np.sort(old_rows.ids, 1))


def test_old_caches_stay_readable_and_unknown_formats_fail_in_one_line(setup, tmp_path):
    tokenizer, teacher, examples = setup
    build_teacher_cache(teacher, vocab_rows(teacher), examples[:6], tmp_path / "v2", k=4, format_version=2)
    meta = json.loads((tmp_path / "v2" / "meta.json").read_text())
    meta.pop("logprob_bits")  # exactly as format-2 caches were written
    (tmp_path / "v2" / "meta.json").write_text(json.dumps(meta))
    cache = TeacherCache.open(tmp_path / "v2")
    batch = DistillCollator(tokenizer.pad_token_id, cache)(
        [{"input_ids": e.input_ids, "labels": e.labels, "index": i} for i, e in enumerate(examples[:6])]
    )
    assert batch["teacher_ids"].shape == (cache.meta.tokens, 4)
    for version in (1, 4):
        (tmp_path / "v2" / "meta.json").write_text(json.dumps({**meta, "format_version": version}))
        with pytest.raises(InputError) as info:
            TeacherCache.open(tmp_path / "v2")
        assert f"format {version} cannot be read" in str(info.value) and "\n" not in str(info.value)
    (tmp_path / "v2" / "meta.json").write_text("{not json")
    with pytest.raises(InputError, match="unreadable teacher cache metadata"):
        TeacherCache.open(tmp_path / "v2")


@pytest.mark.parametrize(("version", "data_file"), [(2, "ids.bin"), (3, "rows.bin")])
def test_interrupted_build_resumes_and_matches_a_clean_build(setup, tmp_path, version, data_file):
    _, teacher, examples = setup
    build = functools.partial(build_teacher_cache, teacher, vocab_rows(teacher), k=4, format_version=version)
    clean = build(examples, tmp_path / "clean", batch_size=4)
    folder = tmp_path / "partial"
    build(examples[:8], folder, batch_size=4)
    # Fake a kill after two batches of the full job: progress says 8 examples, files hold one extra batch.
    (folder / "meta.json").unlink()
    tokens = sum(len(e.loss_positions) for e in examples[:8])
    from distillscope.distill.common import examples_fingerprint

    progress = {"examples": 8, "tokens": tokens, "fingerprint": examples_fingerprint(examples), "k": 4}
    if version == 3:
        progress["format"] = 3  # format-2 markers did not record their format
        progress["tail_samples"] = 3
    (folder / PROGRESS_FILE).write_text(json.dumps(progress))
    with (folder / data_file).open("ab") as handle:
        handle.write(b"\x00" * 40)  # a torn write after the marker
    batches = []
    resumed = build(examples, folder, batch_size=4, on_batch=batches.append)
    assert batches[0] == 8  # reported as already done, then only the remaining batches ran
    assert sum(batches[1:]) == len(examples) - 8
    assert (folder / data_file).read_bytes() == (tmp_path / "clean" / data_file).read_bytes()
    assert resumed.meta.offsets == clean.meta.offsets


def test_cache_refuses_other_data(setup, tmp_path):
    _, teacher, examples = setup
    cache = build_teacher_cache(teacher, vocab_rows(teacher), examples[:10], tmp_path / "c", k=4)
    with pytest.raises(InputError, match="built from different data"):
        cache.check_matches(examples[:9])


def test_topk_kd_loss_approximates_the_full_loss(setup, tmp_path, untrained_student_dir):
    tokenizer, teacher, examples = setup
    student = load_model(untrained_student_dir).eval()
    vocab = vocab_rows(teacher)
    batch = DistillCollator(tokenizer.pad_token_id)([{"input_ids": e.input_ids, "labels": e.labels} for e in examples])
    mask = batch["labels"][:, 1:] != IGNORE
    targets = batch["labels"][:, 1:][mask]
    kwargs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"], "output_hidden_states": True}
    with torch.no_grad():
        s_hidden = student(**kwargs).hidden_states[-1][:, :-1][mask]
        t_hidden = teacher(**kwargs).hidden_states[-1][:, :-1][mask]
    loss = KDLoss(name="forward_kl", kd_weight=1.0)
    full, _ = distill_loss_sums(
        s_hidden,
        output_head(student, vocab),
        targets,
        loss,
        TeacherSignal(hidden=t_hidden, head=output_head(teacher, vocab)),
    )
    errors = {}
    for k in (4, 16, 64):
        cache = build_teacher_cache(teacher, vocab, examples, tmp_path / f"k{k}", k=k)
        rows = [cache.rows(i) for i in range(len(examples))]
        ids = torch.from_numpy(np.concatenate([r.ids for r in rows]))
        logprobs = torch.from_numpy(np.concatenate([r.logprobs for r in rows]))
        sparse, _ = distill_loss_sums(
            s_hidden, output_head(student, vocab), targets, loss, TeacherSignal(topk_ids=ids, topk_logprobs=logprobs)
        )
        errors[k] = abs(sparse.item() - full.item()) / full.item()
    print(f"relative error of the top-k KD loss vs full logits: {errors}")
    assert errors[64] < errors[4] and errors[64] < 0.02 and errors[16] < 0.1


@pytest.mark.parametrize(("version", "rtol"), [(2, 0.0), (3, 1e-2)])  # format 3: log-spaced codes
def test_a_cache_built_for_a_temperature_serves_exactly_that_temperature(
    setup, tmp_path, untrained_student_dir, version, rtol
):
    tokenizer, teacher, examples = setup
    student = load_model(untrained_student_dir).eval()
    vocab = vocab_rows(teacher)
    cache = build_teacher_cache(
        teacher, vocab, examples[:8], tmp_path / "t2", k=16, temperature=2.0, format_version=version
    )
    assert cache.meta.temperature == 2.0 and cache.meta.tail_bytes == 2
    with pytest.raises(InputError, match="serves temperature 2"):
        cache.check_temperature(1.0)
    batch = DistillCollator(tokenizer.pad_token_id, cache)(
        [{"input_ids": e.input_ids, "labels": e.labels, "index": i} for i, e in enumerate(examples[:8])]
    )
    mask = batch["labels"][:, 1:] != IGNORE
    with torch.no_grad():
        hidden = student(input_ids=batch["input_ids"], output_hidden_states=True).hidden_states[-1][:, :-1][mask]
        t_logits = teacher(input_ids=batch["input_ids"]).logits[:, :-1][mask].float()
    student_t = torch.log_softmax(output_head(student, vocab)(hidden) / 2.0, -1)
    teacher_t = torch.log_softmax(t_logits / 2.0, -1)
    # The exact binning of the full tempered teacher, over the cached top-k ids:
    ids = batch["teacher_ids"]
    top = teacher_t.gather(-1, ids)
    expected = torch.cat([top, torch.log1p(-top.exp().sum(-1, keepdim=True))], -1)
    from distillscope.distill.signal.losses import topk_bins

    t_bins, _ = topk_bins(ids, batch["teacher_logprobs"], student_t, 2.0, batch["teacher_tail"])
    assert torch.allclose(t_bins, expected, rtol=rtol, atol=5e-3)


def test_tail_samples_round_trip_and_are_drawn_from_the_tail(setup, tmp_path):
    _, teacher, examples = setup
    vocab = vocab_rows(teacher)
    build_teacher_cache(teacher, vocab, examples[:6], tmp_path / "s", k=8, tail_samples=5)
    build_teacher_cache(teacher, vocab, examples[:6], tmp_path / "again", k=8, batch_size=2, tail_samples=5)
    assert (tmp_path / "s" / "rows.bin").read_bytes() == (tmp_path / "again" / "rows.bin").read_bytes()
    for index in (0, 5):
        rows = TeacherCache.open(tmp_path / "s").rows(index)
        assert rows.samples is not None and rows.samples.ids.shape == (len(rows.ids), 5)
        assert not (rows.samples.ids[:, :, None] == rows.ids[:, None, :]).any()  # never one of its row's top k
        with torch.no_grad():
            logits = teacher(input_ids=torch.tensor([examples[index].input_ids])).logits[0].float()
        tail = torch.log_softmax(logits, -1)[examples[index].loss_positions]
        tail = torch.log_softmax(tail.scatter(-1, torch.from_numpy(rows.ids), float("-inf")), -1)
        entropy = -torch.special.xlogy(tail.exp(), tail.exp()).sum(-1).numpy()
        assert np.allclose(rows.samples.entropy, entropy, atol=np.log(vocab) / 255)


def test_format_2_has_no_place_for_tail_samples(setup, tmp_path):
    _, teacher, examples = setup
    with pytest.raises(InputError, match="tail samples need cache format 3") as info:
        build_teacher_cache(
            teacher, vocab_rows(teacher), examples[:2], tmp_path / "c", format_version=2, tail_samples=2
        )
    assert "\n" not in str(info.value)
    lumped = build_teacher_cache(teacher, vocab_rows(teacher), examples[:2], tmp_path / "v2", format_version=2)
    assert lumped.meta.tail_samples == 0 and lumped.rows(0).samples is None


def test_tail_samples_bring_the_cached_forward_kl_to_the_full_one(setup, tmp_path, untrained_student_dir):
    """One tail bin is a lower bound that misses the divergence inside the tail; samples from the
    tail estimate it without bias, so the summed loss lands near the full one, with the gradient."""
    tokenizer, teacher, examples = setup
    student = load_model(untrained_student_dir).eval()
    vocab = vocab_rows(teacher)
    lumped = build_teacher_cache(teacher, vocab, examples, tmp_path / "lumped", k=4, tail_samples=0)
    sampled = build_teacher_cache(teacher, vocab, examples, tmp_path / "sampled", k=4, tail_samples=8)
    loss = KDLoss(name="forward_kl", kd_weight=1.0)
    head = output_head(student, vocab)

    def loss_and_grad(cache):
        items = [{"input_ids": e.input_ids, "labels": e.labels, "index": i} for i, e in enumerate(examples)]
        batch = DistillCollator(tokenizer.pad_token_id, cache)(items)
        mask = batch["labels"][:, 1:] != IGNORE
        with torch.no_grad():
            hidden = student(input_ids=batch["input_ids"], output_hidden_states=True).hidden_states[-1][:, :-1][mask]
        hidden = hidden.clone().requires_grad_(True)
        signal = TeacherSignal(
            hidden=None
            if cache
            else teacher(input_ids=batch["input_ids"], output_hidden_states=True)
            .hidden_states[-1][:, :-1][mask]
            .detach(),
            head=None if cache else output_head(teacher, vocab),
            topk_ids=batch.get("teacher_ids"),
            topk_logprobs=batch.get("teacher_logprobs"),
            tail_ids=batch.get("teacher_tail_ids"),
            tail_entropy=batch.get("teacher_tail_entropy"),
        )
        value, _ = distill_loss_sums(hidden, head, batch["labels"][:, 1:][mask], loss, signal)
        value.backward()
        return value.item(), hidden.grad

    full, full_grad = loss_and_grad(None)
    errors = {}
    for name, cache in (("lumped", lumped), ("sampled", sampled)):
        value, grad = loss_and_grad(cache)
        cosine = torch.nn.functional.cosine_similarity(grad.flatten(), full_grad.flatten(), dim=0).item()
        errors[name] = (abs(value - full) / full, cosine)
    print(f"forward KL from the cache against full logits (relative error, gradient cosine): {errors}")
    assert errors["sampled"][0] < errors["lumped"][0] / 3
    assert errors["sampled"][1] > errors["lumped"][1]
