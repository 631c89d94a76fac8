"""What the white-box signals share: which models have local weights, and the texts they read.

A white-box signal looks inside a model (its likelihood of a text, its next-token distributions, its
hidden states), which only local weights (`hf:`) allow. An API model in the audit is left out of
these signals with one warning each, and the audit goes on with every other signal. The texts are
the reference's own answers to the shared prompts, read in each model's own chat format.
"""

from __future__ import annotations

from dataclasses import dataclass

from distillscope.audit.resolve import AuditedModel
from distillscope.audit.responses import Answers
from distillscope.models.spec import parse_spec


def is_local(model: AuditedModel) -> bool:
    return parse_spec(model.spec).backend == "hf"


def needs_weights(method: str, model: AuditedModel) -> str:
    return (
        f"{method}: {model.label} is not a local model ({model.spec}); this white-box signal needs its weights "
        "(hf:PATH), so it leaves the model out and the audit goes on with the other signals"
    )


@dataclass
class Passage:
    uid: str
    domain: str
    messages: list[dict[str, str]]  # the conversation up to the answer
    text: str  # the reference's answer


def reference_passages(answers: Answers) -> list[Passage]:
    """The reference's first-sample answers, each with the conversation it answers."""
    return [
        Passage(item.uid, item.domain, [m.model_dump() for m in item.messages], answers.reference[item.uid])
        for item in answers.items
        if item.uid in answers.reference
    ]
