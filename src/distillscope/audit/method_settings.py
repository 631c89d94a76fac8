"""The settings that several audit methods ask for, each declared once and shared by inheritance.

A method's section of an audit (`classifier:`, `markers:`) rejects a misspelt key rather than
running on a silent default, and the methods that learn from answers ask the same questions of
the user: which sentence encoder, how many prompt folds, which seed, how strong a regulariser.
Declared once, these read the same in every section, in flags and in YAML, and a change of a
default or a bound reaches every method that uses it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from distillscope.judges.similarity.encoder_name import DEFAULT_EMBEDDING_MODEL


class MethodSettings(BaseModel):
    """A method's section of an audit: an unknown key is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid")


class EncoderSettings(MethodSettings):
    """A method that embeds answers with a sentence encoder."""

    embedding_model: str = Field(DEFAULT_EMBEDDING_MODEL, description="Sentence encoder for the embedding features.")


class CrossFitSettings(MethodSettings):
    """A method that learns on some prompts and scores the others (`audit/crossfit.py`)."""

    folds: int = Field(5, ge=2, le=20, description="Prompt folds for cross-fitting.")
    seed: int = Field(0, description="Seed of the folds (and of the solver, where there is one).")


class LogisticSettings(CrossFitSettings):
    """A cross-fitted method whose learner is a logistic regression."""

    c: float = Field(1.0, gt=0, description="Inverse regularisation strength of the logistic regression.")


class PassageSettings(MethodSettings):
    """A white-box method, which reads the reference's answers with each model's weights."""

    max_passages: int | None = Field(None, ge=1, description="Read at most this many answers (all: None).")
