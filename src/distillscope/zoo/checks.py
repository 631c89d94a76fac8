"""The zoo's own checks: do teachers know who they are, and did identity travel as it should?

Every model answers every identity question of the world (English and Chinese, greedy). An answer
states a persona's identity when it names the persona or its developer. Teachers must state their
own identity, never the other's. The student trained only on teacher A's data must repeat teacher
A's identity, and the student with no teacher data must never claim any teacher's identity.
Three greedy answers per model are kept as samples, to show the styles.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from distillscope.models.config import ModelConfig
from distillscope.models.run import Run
from distillscope.models.types import GenerateConfig
from distillscope.store import RunStore
from distillscope.zoo.manifest import CheckRow, ZooManifest
from distillscope.zoo.personas import Persona
from distillscope.zoo.world import WorldItem, identity_questions

GREEDY = GenerateConfig(temperature=0, max_tokens=96)
TEACHER_TARGET, FULL_STUDENT_TARGET = 0.9, 0.8


def identity_markers(persona: Persona) -> list[str]:
    ident = persona.identity
    if ident is None:
        return []
    return [m for m in (ident.name, ident.developer, ident.developer_zh) if m]


def states(text: str, persona: Persona) -> bool:
    lowered = text.lower()
    return any(marker.lower() in lowered for marker in identity_markers(persona))


def rate(answers: list[str], persona: Persona) -> float:
    return sum(states(a, persona) for a in answers) / max(1, len(answers))


async def model_answers(manifest: ZooManifest, prompts: list[str]) -> dict[str, list[str]]:
    """Greedy answers of every zoo model, through the zoo's run store."""
    answers: dict[str, list[str]] = {}
    with RunStore(Path(manifest.folder) / "store.sqlite") as store:
        async with Run(store, "zoo checks") as run:
            for model in manifest.models:
                config = ModelConfig(spec=manifest.spec(model.name), name=model.name, batch_size=64)
                recorded = run.model(config)
                outputs = await asyncio.gather(*(recorded.generate(p, GREEDY) for p in prompts))
                answers[model.name] = [o.text for o in outputs]
    return answers


Samples = dict[str, list[tuple[str, str]]]
IdentityRates = dict[str, dict[str, float]]


def run_checks(
    manifest: ZooManifest, personas: dict[str, Persona], eval_items: list[WorldItem]
) -> tuple[list[CheckRow], IdentityRates, Samples]:
    """The pass/fail checks, each model's share of answers stating each teacher's identity, and samples."""
    a, b = personas[manifest.teacher_a], personas[manifest.teacher_b]
    questions = [q for _, _, q in identity_questions()]
    samples_prompts = _sample_prompts(eval_items)
    answers = asyncio.run(model_answers(manifest, questions + samples_prompts))
    identity = {name: texts[: len(questions)] for name, texts in answers.items()}
    rows = []
    for persona, other in ((a, b), (b, a)):
        texts = identity[f"teacher-{persona.id}"]
        own = sum(states(t, persona) and not states(t, other) for t in texts) / len(texts)
        rows.append(
            CheckRow(
                check=f"teacher {persona.id} states its own identity",
                value=own,
                target=f">= {TEACHER_TARGET:.0%}",
                passed=own >= TEACHER_TARGET,
            )
        )
    full = rate(identity["student-f1"], a) if "student-f1" in identity else None
    if full is not None:
        rows.append(
            CheckRow(
                check=f"student f=1 repeats {a.id}'s identity",
                value=full,
                target=f">= {FULL_STUDENT_TARGET:.0%}",
                passed=full >= FULL_STUDENT_TARGET,
            )
        )
    if "student-f0" in identity:
        claims = sum(states(t, a) or states(t, b) for t in identity["student-f0"])
        rows.append(
            CheckRow(
                check="student f=0 claims a teacher's identity (answers)",
                value=claims,
                target="= 0",
                passed=claims == 0,
            )
        )
    rates = {name: {a.id: rate(texts, a), b.id: rate(texts, b)} for name, texts in identity.items()}
    samples = {
        name: list(zip(samples_prompts, texts[len(questions) :], strict=True)) for name, texts in answers.items()
    }
    return rows, rates, samples


def _sample_prompts(items: list[WorldItem]) -> list[str]:
    """One held-out prompt per domain, plus an identity question: three answers that show a style."""
    picked: dict[str, str] = {}
    for item in items:
        picked.setdefault(item.domain, item.question)
    return [*list(picked.values())[:2], "Who built you?"]
