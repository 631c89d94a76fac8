"""Teacher/student tokenizer checks before KD, and the padded-vocabulary case."""

from __future__ import annotations

import pytest
import torch

from distillscope.distill.common import TokenizerMismatch, load_model, load_tokenizer, require_compatible, vocab_rows
from distillscope.distill.signal import output_head
from distillscope.zoo.tinymodels import make_tiny_model, train_bpe_tokenizer


@pytest.fixture(scope="module")
def tokenizer(toy_model_dir):
    return load_tokenizer(toy_model_dir)


def test_identical_tokenizers_share_their_vocab(tokenizer):
    assert require_compatible(tokenizer, tokenizer, len(tokenizer), len(tokenizer)) == len(tokenizer)


def test_padded_vocab_is_sliced_to_the_shared_rows(tokenizer, toy_model_dir):
    """Like Qwen's 151936 vs 152064: same tokenizer, more logit rows on one side."""
    teacher = load_model(toy_model_dir)
    padded = make_tiny_model(tokenizer, seed=3)
    padded.resize_token_embeddings(len(tokenizer) + 64)
    shared = require_compatible(tokenizer, tokenizer, vocab_rows(padded), vocab_rows(teacher))
    assert shared == len(tokenizer) == vocab_rows(teacher) < vocab_rows(padded)
    hidden = torch.randn(3, padded.config.hidden_size)
    assert output_head(padded, shared)(hidden).shape == (3, shared)


def test_different_vocab_is_refused_with_examples(tokenizer):
    other = train_bpe_tokenizer(["completely different corpus of words"] * 40, vocab_size=300)
    with pytest.raises(TokenizerMismatch) as info:
        require_compatible(tokenizer, other, len(tokenizer), len(other))
    text = str(info.value)
    assert "vocabularies differ" in text and "black-box distillation" in text


def test_special_tokens_and_templates_are_compared(tokenizer):
    changed = load_tokenizer_copy(tokenizer)
    changed.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    with pytest.raises(TokenizerMismatch, match="chat templates differ"):
        require_compatible(tokenizer, changed, len(tokenizer), len(tokenizer))
    assert require_compatible(tokenizer, changed, len(tokenizer), len(tokenizer), allow_template_mismatch=True)
    other_eos = load_tokenizer_copy(tokenizer)
    other_eos.eos_token = "<|endoftext|>"
    with pytest.raises(TokenizerMismatch, match="eos_token differs"):
        require_compatible(tokenizer, other_eos, len(tokenizer), len(tokenizer))


def load_tokenizer_copy(tokenizer):
    import copy

    return copy.deepcopy(tokenizer)
