"""One async interface for every model: API endpoints and local Hugging Face models."""

from distillscope.models.base import CallFailed, ChatModel, ScoringModel, TopKLogprobs
from distillscope.models.config import ModelConfig, Price, load_models_file
from distillscope.models.recorded import ModelUsage, RecordedModel
from distillscope.models.spec import get_model, parse_spec, resolve_config
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

__all__ = [
    "CallFailed",
    "ChatModel",
    "ChatOutput",
    "Choice",
    "GenerateConfig",
    "Message",
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
    "resolve_config",
]
