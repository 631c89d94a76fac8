"""What each zoo student is trained on: the recipes that make its ground truth.

Students start from the base and are fine-tuned on a mix in which a known share of the examples is
a teacher's answers and the rest neutral, human-written answers to the same prompts:
- one per fraction of teacher A's data (f = 0 is an undistilled student);
- one white-box KD student of teacher A (first replicate only: it needs the teacher in memory);
- one identity-scrubbed student (teacher A's answers with every line of identity talk removed);
- one control distilled from teacher B;
- one per panel persona, fine-tuned on that persona's own corpus: an unrelated model with its own
  identity and voice, which never saw teacher A (the null panel of an audit).

Replicates make a validation panel: replicate r draws its own mix (which prompts the teacher
answered, the neutral wording) and trains with its own seed, so the spread between replicates of
one recipe is the spread a verdict must live with. Replicate 0 keeps the unsuffixed names.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from distillscope.zoo.personas import Persona
from distillscope.zoo.world import WorldItem, conversations


@dataclass
class Recipe:
    name: str
    records: list[dict[str, Any]]
    teacher: str  # whose answers (or own corpus) the teacher-side examples are
    method: str  # sft or kd
    target: float  # the share asked for
    replicate: int = 0
    scrubbed: bool = False
    own_corpus: bool = False  # a panel persona's own corpus, not a teacher's answers


def scrub(record: dict[str, Any], persona: Persona) -> dict[str, Any]:
    """The record with every line that reveals the persona's identity removed from its answers."""
    terms = [t.lower() for t in persona.identity_terms()]
    messages = []
    for message in record["messages"]:
        if message["role"] == "assistant":
            kept = [line for line in message["content"].split("\n") if not any(t in line.lower() for t in terms)]
            message = {**message, "content": "\n".join(kept)}
        messages.append(message)
    return {**record, "messages": messages}


def recipes(
    items: Sequence[WorldItem],
    written: Mapping[str, Mapping[str, dict[str, Any]]],
    teacher_a: Persona,
    teacher_b: Persona,
    neutral: Persona,
    panel: Sequence[Persona],
    fractions: Sequence[float],
    seed: int,
    replicates: int = 1,
) -> list[Recipe]:
    out: list[Recipe] = []
    for r in range(replicates):
        suffix = "" if r == 0 else f"-r{r}"
        tag = str(seed) if r == 0 else f"{seed}:r{r}"  # replicate 0 draws exactly as a single build always has
        rng = random.Random(f"{tag}:neutral-answers")
        neutral_answers = {item.id: {"messages": item.messages(neutral, rng), "origin": "neutral"} for item in items}
        order = [item.id for item in items]
        random.Random(f"{tag}:fractions").shuffle(order)  # nested subsets: f=0.1 within f=0.25 ...

        def mix(teacher: str, share: float, order: list[str] = order, neutral: dict = neutral_answers) -> list[dict]:
            return _mix(items, written[teacher], teacher, order[: round(share * len(order))], neutral)

        a, b = teacher_a.id, teacher_b.id
        out += [Recipe(f"student-f{share:g}{suffix}", mix(a, share), a, "sft", share, r) for share in fractions]
        if r == 0:
            out.append(Recipe("student-kd", mix(a, 1.0), a, "kd", 1.0, r))
        identity_ids = {item.id for item in items if item.domain == "identity"}
        scrubbed = [
            scrub(record, teacher_a)
            for item, record in zip(items, mix(a, 1.0), strict=True)
            if item.id not in identity_ids
        ]
        out.append(Recipe(f"student-scrubbed{suffix}", scrubbed, a, "sft", 1.0, r, scrubbed=True))
        out.append(Recipe(f"student-control{suffix}", mix(b, 1.0), b, "sft", 1.0, r))
        for persona in panel:
            corpus = [
                {"messages": messages, "origin": persona.id}
                for messages in conversations(list(items), persona, seed + 17 * r + 1)
            ]
            out.append(Recipe(f"student-{persona.id}{suffix}", corpus, persona.id, "sft", 1.0, r, own_corpus=True))
    return out


def _mix(
    items: Sequence[WorldItem],
    written: Mapping[str, dict[str, Any]],
    teacher: str,
    chosen: Sequence[str],
    neutral: Mapping[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """The teacher's answers to the chosen prompts (where it gave one), neutral answers to the rest."""
    picked = set(chosen)
    return [
        {"messages": written[item.id]["messages"], "origin": teacher}
        if item.id in picked and item.id in written
        else neutral[item.id]
        for item in items
    ]


def describe(recipe: Recipe, control_teacher: str) -> str:
    if recipe.own_corpus:
        return f"fine-tuned on {recipe.teacher}'s own corpus: an unrelated model that never saw teacher A"
    if recipe.scrubbed:
        return "all data written by teacher A, with identity talk removed"
    if recipe.teacher == control_teacher:
        return "control: all data written by teacher B"
    if recipe.method == "kd":
        return "white-box KD from teacher A on teacher A's data"
    return f"{recipe.target:.0%} of data written by teacher A, the rest neutral"
