"""What the model-side wings share: models and tokenizers loaded, checked and fed, in one process or several.

`selection`, `signal`, `training` and `pruning` all load a Hugging Face model and its tokenizer the
model layer's way, check that a teacher's logits fit a student, turn chat records into examples
trained on the assistant's tokens only, and know which process may write. Those four live here so
that no wing has to import another for them; this wing imports no other wing.

The rules of several processes are the module `ranks` (`from distillscope.distill.common import
ranks`): it reads the launcher's environment only, so the CLI can ask it without importing torch.
Names are imported on first use (`distillscope.lazy`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillscope.lazy import lazy_exports

if TYPE_CHECKING:
    from distillscope.distill.common.compat import TokenizerMismatch, check_tokenizers, require_compatible
    from distillscope.distill.common.dataset import (
        IGNORE,
        DistillCollator,
        EncodedChat,
        Example,
        build_examples,
        encode_chat,
        examples_fingerprint,
        load_training_records,
    )
    from distillscope.distill.common.loading import load_model, load_tokenizer, model_source, vocab_rows

__getattr__ = lazy_exports(
    __name__,
    {
        "compat": ("TokenizerMismatch", "check_tokenizers", "require_compatible"),
        "dataset": (
            "IGNORE",
            "DistillCollator",
            "EncodedChat",
            "Example",
            "build_examples",
            "encode_chat",
            "examples_fingerprint",
            "load_training_records",
        ),
        "loading": ("load_model", "load_tokenizer", "model_source", "vocab_rows"),
    },
)

__all__ = [
    "IGNORE",
    "DistillCollator",
    "EncodedChat",
    "Example",
    "TokenizerMismatch",
    "build_examples",
    "check_tokenizers",
    "encode_chat",
    "examples_fingerprint",
    "load_model",
    "load_tokenizer",
    "load_training_records",
    "model_source",
    "require_compatible",
    "vocab_rows",
]
