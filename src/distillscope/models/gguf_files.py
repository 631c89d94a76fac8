"""GGUF checkpoints (llama.cpp's single-file format) as local models: a real teacher without the hub.

A small chat model often ships only as a quantised GGUF file. transformers can read one into torch,
dequantising every tensor, when the `gguf` package is installed; the config and the tokenizer come
from the file's own metadata. Here a spec names the file itself (`hf:./smol.gguf` or
`gguf:./smol.gguf`), so every command that takes a model folder takes a GGUF file too. The checks
come first, so a missing file or a missing `gguf` package is one line, not a traceback from deep
inside the loader.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from distillscope.errors import ModelFolderError

GGUF_SUFFIX = ".gguf"
_FINGERPRINT_SPAN = 1 << 20


def is_gguf_source(source: str) -> bool:
    return source.lower().endswith(GGUF_SUFFIX)


def require_gguf_package() -> None:
    """transformers needs `gguf` to parse the file; say so before it fails with an import trace."""
    if importlib.util.find_spec("gguf") is None:
        raise ModelFolderError(
            "loading a GGUF model needs the `gguf` package, which is not installed",
            hint="install it with `pip install gguf` (it is in distillscope's dependencies)",
        )


def gguf_file(source: str) -> Path:
    """The GGUF file a spec names, checked: it exists and is a file."""
    path = Path(source).expanduser()
    if not path.exists():
        raise ModelFolderError(f"no GGUF file at {source}", hint="expected a path to a .gguf model file")
    if not path.is_file():
        raise ModelFolderError(f"{source} is a folder, not a GGUF file", hint="expected a path to a .gguf file")
    return path.resolve()


def gguf_load_arguments(source: str) -> tuple[str, dict[str, str]]:
    """What `from_pretrained` takes for a GGUF file: its folder, and the file's name as `gguf_file`."""
    require_gguf_package()
    path = gguf_file(source)
    return str(path.parent), {"gguf_file": path.name}


def gguf_fingerprint(path: Path) -> str:
    """A cheap content hash of one GGUF file: its name, size and both ends (the header holds the config)."""
    size = path.stat().st_size
    digest = hashlib.sha256(f"{path.name}:{size}".encode())
    with path.open("rb") as handle:
        digest.update(handle.read(_FINGERPRINT_SPAN))
        if size > _FINGERPRINT_SPAN:
            handle.seek(max(size - _FINGERPRINT_SPAN, _FINGERPRINT_SPAN))
            digest.update(handle.read())
    return digest.hexdigest()[:16]
