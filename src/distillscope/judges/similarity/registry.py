"""RSE's similarity judges by name: `--judge lexical`, `--judge embedding:./encoder`, or a model.

Each registered judge is a factory from a `JudgeSpec` and the run's `JudgeOptions`. A `--judge`
value that is not a registered name is a model (a spec or a catalog name) and becomes the LLM
judge, as in the paper. A new offline judge is one module with a `SimilarityJudge` and one
`SIMILARITY_JUDGES.register(...)` here; the CLI help and the config's validation read the registry.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel

from distillscope.judges.similarity.encoder_name import DEFAULT_EMBEDDING_MODEL
from distillscope.models.config import ModelConfig
from distillscope.models.types import GenerateConfig
from distillscope.registry import Registry, UnknownNameError

if TYPE_CHECKING:  # each judge's module is imported when it is built: naming judges loads none of them
    from distillscope.judges.similarity.base import SimilarityJudge
    from distillscope.models.recorded import RecordedModel
    from distillscope.store import RunStore

LLM = "llm"
ModelRef = str | ModelConfig


class JudgeSpec(BaseModel):
    """One judge, read from a `--judge` value: a registered name (with its argument), or a model."""

    kind: str
    model: ModelRef | None = None

    @classmethod
    def parse(cls, value: str | ModelConfig) -> JudgeSpec:
        if isinstance(value, ModelConfig):
            return cls(kind=LLM, model=value)
        text = value.strip()
        name, sep, argument = text.partition(":")
        if name in SIMILARITY_JUDGES and name != LLM:
            kind = SIMILARITY_JUDGES.get(name)
            if sep and not kind.argument:
                raise UnknownNameError(f"the {name} judge takes no argument (got {text!r})", hint=f"write {name}")
            return cls(kind=name, model=argument or kind.default_argument)
        return cls(kind=LLM, model=text)


@dataclass
class JudgeOptions:
    """What the run tells its judges: the LLM judge's sampling and retries, the style signature."""

    get_model: Callable[[ModelRef], RecordedModel]
    judge_params: GenerateConfig
    retries: int = 2
    both_orders: bool = True
    signature_words: list[str] | None = None
    catalog_names: tuple[str, ...] = ()
    store: RunStore | None = None  # where offline judges keep what they compute once (embeddings)


@dataclass(frozen=True)
class JudgeKind:
    build: Callable[[JudgeSpec, JudgeOptions], SimilarityJudge]
    argument: str | None = None  # what may follow `NAME:`, e.g. "MODEL"
    default_argument: str | None = None

    def form(self, name: str) -> str:
        return f"{name}[:{self.argument}]" if self.argument else name


SIMILARITY_JUDGES: Registry[JudgeKind] = Registry("RSE judge")
JUDGE_DEFAULTS = GenerateConfig(temperature=0, max_tokens=300)


def _llm(spec: JudgeSpec, options: JudgeOptions) -> SimilarityJudge:
    from distillscope.judges.similarity.llm import LLMSimilarityJudge

    assert spec.model is not None
    ref = spec.model
    if isinstance(ref, str) and ":" not in ref and ref not in options.catalog_names:
        raise _unknown_judge(ref)
    model = options.get_model(ref)
    config = JUDGE_DEFAULTS.merge(model.backend.config.params).merge(options.judge_params)
    return LLMSimilarityJudge(model, config, retries=options.retries, both_orders=options.both_orders)


def _unknown_judge(name: str) -> UnknownNameError:
    offline = [n for n in SIMILARITY_JUDGES.names() if n != LLM]
    close = difflib.get_close_matches(name, offline, n=2, cutoff=0.6)
    near = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return UnknownNameError(
        f"unknown RSE judge {name!r}",
        hint=f"{near}judges: {judge_forms()}, or a model spec (openai:gpt-4o-mini) or a name from --models",
    )


def judge_forms() -> str:
    return ", ".join(entry.value.form(entry.name) for entry in SIMILARITY_JUDGES.items() if entry.name != LLM)


def build_judge(spec: JudgeSpec, options: JudgeOptions) -> SimilarityJudge:
    if spec.kind not in SIMILARITY_JUDGES:
        raise _unknown_judge(spec.kind)
    return SIMILARITY_JUDGES.get(spec.kind).build(spec, options)


def _embedding(spec: JudgeSpec, options: JudgeOptions) -> SimilarityJudge:
    from distillscope.judges.similarity.embedding import EmbeddingJudge

    return EmbeddingJudge(str(spec.model), store=options.store)


def _lexical(_spec: JudgeSpec, _options: JudgeOptions) -> SimilarityJudge:
    from distillscope.judges.similarity.lexical import LexicalJudge

    return LexicalJudge()


def _style(_spec: JudgeSpec, options: JudgeOptions) -> SimilarityJudge:
    from distillscope.judges.similarity.style import StyleJudge

    return StyleJudge(signature=options.signature_words)


SIMILARITY_JUDGES.register(LLM, JudgeKind(_llm, argument="MODEL"), help="the paper's LLM judge, 1–5")
SIMILARITY_JUDGES.register(
    "embedding",
    JudgeKind(_embedding, "MODEL", DEFAULT_EMBEDDING_MODEL),
    help="cosine similarity of sentence embeddings",
)
SIMILARITY_JUDGES.register("lexical", JudgeKind(_lexical), help="word n-gram overlap")
SIMILARITY_JUDGES.register(
    "style",
    JudgeKind(_style),
    help="length, layout and the reference's signature words",
)
