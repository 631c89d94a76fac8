"""Loading Hugging Face models for training and evaluation, with the model layer's rules.

Training needs the raw transformers objects rather than a chat backend. Folders are still checked
the same way (a clear error for a folder without config.json), `trust_remote_code` is still off
unless asked for, and devices and dtypes mean the same as in a models YAML file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from distillscope.errors import ModelFolderError
from distillscope.models.hf_local import local_model_folder, pick_device, pick_dtype


def model_source(spec: str | Path) -> str:
    """A folder or hub id from `hf:./dir`, `./dir` or `org/name`."""
    text = str(spec)
    return text.removeprefix("hf:")


def load_tokenizer(spec: str | Path, trust_remote_code: bool = False) -> Any:
    from transformers import AutoTokenizer

    source = model_source(spec)
    folder = local_model_folder(source)
    where = str(folder) if folder is not None else source
    try:
        tokenizer = AutoTokenizer.from_pretrained(where, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise ModelFolderError(f"cannot load a tokenizer from {where}: {str(exc).splitlines()[0]}") from exc
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(spec: str | Path, *, dtype: str = "auto", device: str = "auto", trust_remote_code: bool = False) -> Any:
    from transformers import AutoConfig, AutoModelForCausalLM

    source = model_source(spec)
    folder = local_model_folder(source)
    where = str(folder) if folder is not None else source
    target = pick_device(device)
    try:
        config = AutoConfig.from_pretrained(where, trust_remote_code=trust_remote_code)
        torch_dtype = pick_dtype(dtype, target, getattr(config, "dtype", None))
        model = AutoModelForCausalLM.from_pretrained(where, dtype=torch_dtype, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise ModelFolderError(
            f"cannot load model from {where}: {str(exc).splitlines()[0]}",
            hint="expected a Hugging Face model folder (config.json + weights) or a hub repo id",
        ) from exc
    return model.to(target)


def vocab_rows(model: Any) -> int:
    """How many logits the model's head produces (may exceed the tokenizer's size by padding)."""
    return int(model.get_output_embeddings().weight.shape[0])
