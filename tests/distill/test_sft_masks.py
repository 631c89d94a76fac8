"""SFT learns the assistant's turns only: every other token is masked."""

from __future__ import annotations

import pytest

from distillscope.distill.common import IGNORE, DistillCollator, build_examples, load_tokenizer
from distillscope.distill.common.dataset import tokenize_chat, tokenize_text
from distillscope.errors import InputError

CONVERSATION = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "What is 2 plus 3?"},
    {"role": "assistant", "content": "2 plus 3 is 5."},
    {"role": "user", "content": "And the capital of Peru?"},
    {"role": "assistant", "content": "The capital of Peru is Lima."},
]


@pytest.fixture(scope="module")
def tokenizer(toy_model_dir):
    return load_tokenizer(toy_model_dir)


def _labelled_text(tokenizer, example):
    return tokenizer.decode([t for t in example.labels if t != IGNORE])


def test_only_assistant_turns_carry_labels(tokenizer):
    example = tokenize_chat(tokenizer, CONVERSATION, max_length=512)
    assert _labelled_text(tokenizer, example) == "2 plus 3 is 5.<|im_end|>\nThe capital of Peru is Lima.<|im_end|>\n"
    masked = tokenizer.decode([t for t, lab in zip(example.input_ids, example.labels, strict=True) if lab == IGNORE])
    for text in ("You are terse.", "What is 2 plus 3?", "And the capital of Peru?", "<|im_start|>assistant"):
        assert text in masked
    assert "Lima" not in masked and "is 5" not in masked


def test_works_without_generation_markers_in_the_template(tokenizer):
    plain = tokenizer.chat_template.replace("{% generation %}", "").replace("{% endgeneration %}", "")
    original, tokenizer.chat_template = tokenizer.chat_template, plain
    try:
        example = tokenize_chat(tokenizer, CONVERSATION, max_length=512)
    finally:
        tokenizer.chat_template = original
    assert _labelled_text(tokenizer, example).startswith("2 plus 3 is 5.")


def test_plain_text_trains_every_token_and_truncation_keeps_prefix(tokenizer):
    example = tokenize_text(tokenizer, "Grass is green. Snow is white.", max_length=4)
    assert len(example.input_ids) == 4 and example.labels == example.input_ids


def test_collator_pads_and_never_predicts_the_first_token(tokenizer):
    examples = build_examples(tokenizer, [(1, {"messages": CONVERSATION[1:3]}), (2, {"text": "Hello! Hi."})], 512)
    batch = DistillCollator(tokenizer.pad_token_id)([{"input_ids": e.input_ids, "labels": e.labels} for e in examples])
    assert batch["input_ids"].shape[0] == 2 and (batch["labels"][:, 0] == IGNORE).all()
    short = len(examples[1].input_ids)
    assert (batch["attention_mask"][1, short:] == 0).all() and (batch["labels"][1, short:] == IGNORE).all()


def test_bad_records_name_their_line(tokenizer):
    with pytest.raises(InputError) as info:
        build_examples(tokenizer, [(1, {"text": "ok"}), (7, {"prompt": "no messages"})], 64, "train.jsonl")
    assert "train.jsonl:7" in str(info.value)
    with pytest.raises(InputError, match="no assistant turn"):
        build_examples(tokenizer, [(3, {"messages": [{"role": "user", "content": "hi"}]})], 64, "train.jsonl")
