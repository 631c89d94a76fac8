"""Loading Hugging Face models for training and evaluation, with the model layer's rules.

Training needs the raw transformers objects rather than a chat backend; they come from the same
loader as the `hf:` chat backend (`models/hf_loading.py`), so folders are checked the same way,
`trust_remote_code` stays off unless asked for, and devices and dtypes mean what they mean in a
models YAML file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from distillscope.models.hf_loading import LoadOptions, load_causal_lm, model_source
from distillscope.models.hf_loading import load_tokenizer as _load_tokenizer

__all__ = ["load_model", "load_tokenizer", "model_source", "vocab_rows"]


def load_tokenizer(spec: str | Path, trust_remote_code: bool = False) -> Any:
    return _load_tokenizer(model_source(spec), LoadOptions(trust_remote_code=trust_remote_code))


def load_model(spec: str | Path, *, dtype: str = "auto", device: str = "auto", trust_remote_code: bool = False) -> Any:
    options = LoadOptions(dtype=dtype, device=device, trust_remote_code=trust_remote_code)
    return load_causal_lm(model_source(spec), options)


def vocab_rows(model: Any) -> int:
    """How many logits the model's head produces (may exceed the tokenizer's size by padding)."""
    return int(model.get_output_embeddings().weight.shape[0])
