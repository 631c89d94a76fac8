"""One async interface for every model: API endpoints, local Hugging Face models and recorded responses.

The public names are imported on first use (`distillscope.lazy`): a module that only needs `models.plan` or
`models.types` does not pay for numpy, the run store and the backends, and the CLI starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillscope.lazy import lazy_exports

if TYPE_CHECKING:
    from distillscope.models.base import CallFailed, ChatModel, ScoringModel, TopKLogprobs
    from distillscope.models.catalog import ModelCatalog
    from distillscope.models.config import ModelConfig, Price, load_models_file
    from distillscope.models.recorded import RecordedModel
    from distillscope.models.spec import get_model, parse_spec
    from distillscope.models.types import (
        ChatOutput,
        Choice,
        GenerateConfig,
        Message,
        TokenLogprob,
        TokenScores,
        Usage,
        as_messages,
    )
    from distillscope.models.usage import ModelUsage

__getattr__ = lazy_exports(
    __name__,
    {
        "base": ("CallFailed", "ChatModel", "ScoringModel", "TopKLogprobs"),
        "catalog": ("ModelCatalog",),
        "config": ("ModelConfig", "Price", "load_models_file"),
        "recorded": ("RecordedModel",),
        "spec": ("get_model", "parse_spec"),
        "types": (
            "ChatOutput",
            "Choice",
            "GenerateConfig",
            "Message",
            "TokenLogprob",
            "TokenScores",
            "Usage",
            "as_messages",
        ),
        "usage": ("ModelUsage",),
    },
)

__all__ = [
    "CallFailed",
    "ChatModel",
    "ChatOutput",
    "Choice",
    "GenerateConfig",
    "Message",
    "ModelCatalog",
    "ModelConfig",
    "ModelUsage",
    "Price",
    "RecordedModel",
    "ScoringModel",
    "TokenLogprob",
    "TokenScores",
    "TopKLogprobs",
    "Usage",
    "as_messages",
    "get_model",
    "load_models_file",
    "parse_spec",
]
