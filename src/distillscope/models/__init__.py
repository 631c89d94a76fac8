"""One async interface for every model: API endpoints, local Hugging Face models and recorded responses."""

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
