"""On-policy KD: which batches the student completes, what those batches look like, and that runs repeat."""

from __future__ import annotations

import json

import pytest
import torch
from pydantic import ValidationError

from distillscope.distill.common import (
    IGNORE,
    DistillCollator,
    build_examples,
    load_model,
    load_tokenizer,
    load_training_records,
)
from distillscope.distill.training import TrainJob, on_policy, train


@pytest.mark.parametrize("share", [0.25, 0.5, 0.8])
def test_the_share_of_on_policy_batches_is_lambda_and_depends_only_on_seed_and_position(share):
    draws = [on_policy.is_on_policy(share, 3, step, micro) for step in range(1000) for micro in range(4)]
    assert abs(sum(draws) / len(draws) - share) < 0.025
    again = [on_policy.is_on_policy(share, 3, step, micro) for step in range(1000) for micro in range(4)]
    other_seed = [on_policy.is_on_policy(share, 4, step, micro) for step in range(1000) for micro in range(4)]
    assert draws == again and draws != other_seed
    assert not any(on_policy.is_on_policy(0.0, 3, s, 0) for s in range(100))
    assert all(on_policy.is_on_policy(1.0, 3, s, 0) for s in range(100))


@pytest.fixture(scope="module")
def batch(toy_model_dir, toy_chat_data):
    tokenizer = load_tokenizer(toy_model_dir)
    examples = build_examples(tokenizer, load_training_records(toy_chat_data[0]), 256)[:6]
    features = [{"input_ids": e.input_ids, "labels": e.labels} for e in examples]
    return tokenizer, DistillCollator(tokenizer.pad_token_id)(features)


def test_the_prompt_is_everything_before_the_last_assistant_turn(batch):
    tokenizer, inputs = batch
    for row, cut in zip(inputs["input_ids"], on_policy.prompt_lengths(inputs["labels"]), strict=True):
        assert tokenizer.decode(row[:cut]).endswith("<|im_start|>assistant\n")
        assert "<|im_start|>assistant" not in tokenizer.decode(row[cut:])


def test_student_completions_keep_the_prompt_label_only_the_sample_and_repeat_under_a_seed(toy_model_dir, batch):
    tokenizer, inputs = batch
    model = load_model(toy_model_dir).train()
    settings = on_policy.generation_settings(24, tokenizer.pad_token_id, tokenizer.eos_token_id)

    from accelerate import Accelerator

    accelerator = Accelerator(cpu=True)

    def sample(seed):
        with on_policy.seeded_sampling(seed, step=5, micro=1, device=torch.device("cpu")):
            return on_policy.student_completions(model, accelerator, inputs, settings, tokenizer.pad_token_id)

    first, again, other = sample(0), sample(0), sample(1)
    assert model.training  # sampling ran in eval mode and gave the model back as it was
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not torch.equal(first["input_ids"], other["input_ids"])
    cuts = on_policy.prompt_lengths(inputs["labels"])
    for row in range(len(cuts)):
        cut = cuts[row]
        assert torch.equal(first["input_ids"][row, :cut], inputs["input_ids"][row, :cut])
        labelled = (first["labels"][row] != IGNORE).nonzero().flatten()
        assert labelled.min().item() == cut and 1 <= len(labelled) <= 24
        completion = first["input_ids"][row, labelled]
        assert torch.equal(first["labels"][row, labelled], completion)
        ended = (completion == tokenizer.eos_token_id).nonzero().flatten()
        assert len(ended) == 0 or ended[0].item() == len(completion) - 1  # nothing kept after end of turn
        assert first["attention_mask"][row].sum().item() == cut + len(labelled)


def _job(student, teacher, data, output, **overrides):
    settings = dict(
        mode="kd",
        student=f"hf:{student}",
        teacher=f"hf:{teacher}",
        data=str(data),
        output=output,
        max_steps=6,
        batch_size=4,
        learning_rate=3e-3,
        loss={"kd_weight": 1.0},
        on_policy=0.5,
        max_new_tokens=12,
        logging_steps=1,
        save_steps=6,
        seed=2,
    )
    return TrainJob(**{**settings, **overrides})


def test_training_samples_the_chosen_share_and_repeats_exactly(
    toy_model_dir, untrained_student_dir, toy_chat_data, tmp_path, monkeypatch
):
    from safetensors.torch import load_file

    calls = []
    original = on_policy.student_completions

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(on_policy, "student_completions", counted)
    train_data = toy_chat_data[0]
    runs = {}
    for name, seed in (("a", 2), ("b", 2), ("c", 3)):
        calls.clear()
        train(_job(untrained_student_dir, toy_model_dir, train_data, tmp_path / name, seed=seed))
        expected = [on_policy.is_on_policy(0.5, seed, step, 0) for step in range(6)]
        assert len(calls) == sum(expected) and 0 < sum(expected) < 6
        state = json.loads((tmp_path / name / "checkpoints" / "checkpoint-6" / "trainer_state.json").read_text())
        logged = [entry["on_policy_share"] for entry in state["log_history"] if "on_policy_share" in entry]
        assert logged == [float(e) for e in expected]
        runs[name] = load_file(tmp_path / name / "model.safetensors")
    assert all(torch.equal(runs["a"][k], runs["b"][k]) for k in runs["a"])
    assert any(not torch.equal(runs["a"][k], runs["c"][k]) for k in runs["a"])


def test_on_policy_needs_a_live_teacher_and_chat_prompts(toy_model_dir, untrained_student_dir, tmp_path):
    with pytest.raises(ValidationError, match="on_policy needs mode kd"):
        TrainJob(mode="kd-offline", student="hf:s", teacher_cache=tmp_path, data="d", output=tmp_path, on_policy=0.5)
    from distillscope.errors import InputError
    from distillscope.fileio.jsonl import write_jsonl

    text = tmp_path / "text.jsonl"
    write_jsonl(text, [{"text": "What is 3 plus 4? 3 plus 4 is 7."}] * 4)
    with pytest.raises(InputError, match="needs a prompt before each trained turn"):
        train(_job(untrained_student_dir, toy_model_dir, text, tmp_path / "t"))
