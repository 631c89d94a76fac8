"""Loading Hugging Face models and tokenizers: the one loader behind chat backends and training.

Both the `hf:` chat backend and the training/evaluation commands need a checkpoint, so the rules
live here once: a local folder is checked before transformers sees it (one clear error for a
missing folder or a folder without config.json), `trust_remote_code` is off unless asked for,
'auto' devices and dtypes mean the same everywhere, and a load failure is one line that says what
was expected (a malformed config.json included). A hub id is loaded only after the hub has been
found reachable, or from the local cache at once when it is not (`hub.py`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from distillscope.errors import ModelFolderError
from distillscope.hub import prefer_cache_when_offline
from distillscope.models.gguf_files import gguf_file, gguf_fingerprint, gguf_load_arguments, is_gguf_source

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")
_FINGERPRINT_SPAN = 1 << 20


def looks_like_path(source: str) -> bool:
    return source.startswith((".", "/", "~")) or Path(source).expanduser().exists() or source.count("/") > 1


def local_model_folder(source: str) -> Path | None:
    """The folder for a local spec, checked; None when the source is a hub repo id. A GGUF spec
    names a file, which stands in for the folder (its fingerprint covers the one file)."""
    if not looks_like_path(source):
        return None
    if is_gguf_source(source):
        return gguf_file(source)
    path = Path(source).expanduser()
    if not path.exists():
        raise ModelFolderError(
            f"no model folder at {source}", hint="expected a Hugging Face model folder (config.json + weights)"
        )
    if not path.is_dir():
        raise ModelFolderError(f"{source} is a file", hint="expected a Hugging Face model folder")
    if not (path / "config.json").is_file():
        raise ModelFolderError(
            f"model folder {source} has no config.json",
            hint="expected a Hugging Face model folder (config.json, weights, tokenizer files)",
        )
    return path.resolve()


def folder_fingerprint(path: Path) -> str:
    """A cheap content hash: config plus the size and both ends of every weight file."""
    if path.is_file():
        return gguf_fingerprint(path)
    digest = hashlib.sha256((path / "config.json").read_bytes())
    for file in sorted(p for p in path.iterdir() if p.suffix in _WEIGHT_SUFFIXES):
        size = file.stat().st_size
        digest.update(f"{file.name}:{size}".encode())
        with file.open("rb") as handle:
            digest.update(handle.read(_FINGERPRINT_SPAN))
            if size > _FINGERPRINT_SPAN:
                handle.seek(max(size - _FINGERPRINT_SPAN, _FINGERPRINT_SPAN))
                digest.update(handle.read())
    return digest.hexdigest()[:16]


def pick_device(requested: str) -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def pick_dtype(requested: str, device: torch.device, checkpoint_dtype: Any) -> torch.dtype:
    if requested != "auto":
        return getattr(torch, requested)
    if device.type == "cpu":
        return torch.float32
    if isinstance(checkpoint_dtype, torch.dtype):
        return checkpoint_dtype
    if isinstance(checkpoint_dtype, str) and hasattr(torch, checkpoint_dtype):
        return getattr(torch, checkpoint_dtype)
    return torch.bfloat16


@dataclass(frozen=True)
class LoadOptions:
    """How to load a checkpoint; mirrors the local-model fields of `ModelConfig`."""

    revision: str | None = None
    trust_remote_code: bool = False
    dtype: str = "auto"
    device: str = "auto"
    attn_implementation: str | None = None


def model_source(spec: str | Path) -> str:
    """A folder, GGUF file or hub id from `hf:./dir`, `./dir`, `gguf:./model.gguf` or `org/name`."""
    return str(spec).removeprefix("hf:").removeprefix("gguf:")


def _where(source: str) -> tuple[str, Path | None, dict[str, str]]:
    """Where `from_pretrained` reads, the checked local path (None for a hub id), and the extra
    arguments a GGUF file needs."""
    if is_gguf_source(source):
        where, extra = gguf_load_arguments(source)
        return where, Path(where) / extra["gguf_file"], extra
    folder = local_model_folder(source)
    if folder is None:
        prefer_cache_when_offline()
    return (str(folder) if folder is not None else source), folder, {}


def pretrained_location(source: str) -> tuple[str, dict[str, str]]:
    """What to hand `from_pretrained` for a source: the folder or hub id, and the GGUF file's name
    (`gguf_file`) when the source is one."""
    where, _, extra = _where(source)
    return where, extra


def load_config(source: str, options: LoadOptions = LoadOptions()) -> Any:
    """The transformers config alone (pruning and selection read shapes before loading weights)."""
    from transformers import AutoConfig

    where, folder, extra = _where(source)
    try:
        return AutoConfig.from_pretrained(
            where, revision=options.revision, trust_remote_code=options.trust_remote_code, **extra
        )
    except Exception as exc:  # the hub and the config parsers raise many types for one bad folder
        raise _load_error("a config", where, folder, exc) from exc


def load_tokenizer(source: str, options: LoadOptions = LoadOptions()) -> Any:
    """The tokenizer, with a pad token (the EOS when the checkpoint has none)."""
    from transformers import AutoTokenizer

    where, folder, gguf = _where(source)
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            where, revision=options.revision, trust_remote_code=options.trust_remote_code, **gguf
        )
    except Exception as exc:  # the hub and the config parsers raise many types for one bad folder
        raise _load_error("a tokenizer", where, folder, exc) from exc
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(source: str, options: LoadOptions = LoadOptions()) -> Any:
    """The model, on its device, in its dtype ('auto': float32 on CPU, the checkpoint's on GPU)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    where, folder, gguf = _where(source)
    device = pick_device(options.device)
    common = {"revision": options.revision, "trust_remote_code": options.trust_remote_code, **gguf}
    extra = {"attn_implementation": options.attn_implementation} if options.attn_implementation else {}
    try:
        hf_config = AutoConfig.from_pretrained(where, **common)
        dtype = pick_dtype(options.dtype, device, getattr(hf_config, "dtype", None))
        model = AutoModelForCausalLM.from_pretrained(where, dtype=dtype, **common, **extra)
    except Exception as exc:  # the hub and the config parsers raise many types for one bad folder
        raise _load_error("a model", where, folder, exc) from exc
    return model.to(device)


def _load_error(what: str, where: str, folder: Path | None, exc: BaseException) -> ModelFolderError:
    if folder is not None and folder.is_file():
        origin, where = "GGUF file", str(folder)
    else:
        origin = "Hugging Face hub repo" if folder is None else "folder"
    return ModelFolderError(
        f"cannot load {what} from {origin} {where}: {brief(exc)}",
        hint="for a local folder write hf:./path (config.json, weights and a tokenizer), or hf:./model.gguf",
    )


def brief(exc: BaseException, limit: int = 300) -> str:
    """An exception's whole message on one line (a header line alone may say nothing: "Validation
    error for field 'hidden_size':"), cut at `limit` characters."""
    text = " ".join(str(exc).split())
    if not text:
        return type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
