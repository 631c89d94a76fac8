"""The built-in RSE prompt sets: one per domain of the paper, written for this project.

The paper drew its prompts from ArenaHard (general reasoning), Numina (math) and ShareGPT
(instruction following, multi-turn). Those sets need the hub; these stand in offline, in English
and Chinese, so an RSE run works anywhere and the paper's sets can still be named with `--prompts`.
The files are ordinary prompt JSONL, read through `distillscope.data.sources` like any user file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from distillscope.data.sources import PromptItem, PromptSource, load_prompt_items
from distillscope.errors import InputError

# Domain name -> file under data/rse/, in the order of the paper's Table 3 columns.
BUILTIN_SETS: dict[str, str] = {
    "general": "general.jsonl",
    "math": "math.jsonl",
    "instructions": "instructions.jsonl",
}

# What each built-in set stands in for, for tables and reports.
PAPER_COUNTERPARTS: dict[str, str] = {"general": "ArenaHard", "math": "Numina", "instructions": "ShareGPT"}


def builtin_set_path(name: str) -> Path:
    if name not in BUILTIN_SETS:
        raise InputError(f"unknown built-in prompt set {name!r}", hint=f"known sets: {', '.join(BUILTIN_SETS)}")
    return Path(str(resources.files("distillscope.data").joinpath("rse", BUILTIN_SETS[name])))


def builtin_source(name: str, sample: int | None = None, seed: int = 0) -> PromptSource:
    """A prompt source for a built-in set, its domain named after the set."""
    return PromptSource(path=str(builtin_set_path(name)), domain=name, sample=sample, seed=seed)


def load_builtin_set(name: str, sample: int | None = None, seed: int = 0) -> list[PromptItem]:
    return load_prompt_items(builtin_source(name, sample, seed))
