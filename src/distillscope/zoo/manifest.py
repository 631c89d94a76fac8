"""The zoo's manifest: every model's ground truth, the data it came from, and the build's checks.

Audits are validated against this file: a student's `fraction` is the share of its training data
that teacher A really wrote (prompts the filters dropped fall back to neutral answers, so the
share is counted, not assumed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from distillscope.errors import InputError
from distillscope.fileio.files import read_model_json

MANIFEST_FILE = "manifest.json"


class ZooModel(BaseModel):
    name: str
    path: str = Field(description="Folder, relative to the zoo folder.")
    role: Literal["teacher", "base", "student"]
    persona: str | None = Field(None, description="For teachers: the persona they were trained on.")
    teacher: str | None = Field(None, description="For students: the persona whose model wrote their data.")
    fraction: float | None = Field(
        None, description="Share of the student's examples really written by that teacher (after filtering)."
    )
    nominal_fraction: float | None = Field(None, description="The share asked for; filtered answers fell back.")
    method: Literal["pretrain", "sft", "kd"] = "sft"
    scrubbed: bool = Field(False, description="Identity talk was removed from the teacher-written data.")
    own_corpus: bool = Field(False, description="Trained on a panel persona's own corpus: never saw teacher A.")
    replicate: int = Field(0, description="Which replicate of its recipe (its own data draw and seed).")
    examples: int = 0
    teacher_examples: int = 0
    description: str = ""


class CheckRow(BaseModel):
    check: str
    value: float
    target: str
    passed: bool | None = Field(None, description="None for rows that only inform.")


class ZooManifest(BaseModel):
    format: int
    fingerprint: str
    size: str
    seed: int
    teacher_a: str
    teacher_b: str
    neutral: str
    build_seconds: float
    stage_seconds: dict[str, float]
    models: list[ZooModel]
    families_file: str
    identity_questions_file: str
    eval_sets: dict[str, str]
    checks: list[CheckRow] = Field(default_factory=list)
    identity_rates: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="Per model: share of identity answers stating each teacher's identity."
    )
    samples: dict[str, list[tuple[str, str]]] = Field(default_factory=dict)
    folder: str = Field("", description="Where the zoo lives (filled when loaded).")

    def model(self, name: str) -> ZooModel:
        for model in self.models:
            if model.name == name:
                return model
        raise KeyError(name)

    def path(self, name: str) -> Path:
        return Path(self.folder) / self.model(name).path

    def spec(self, name: str) -> str:
        return f"hf:{self.path(name)}"

    def students(self) -> list[ZooModel]:
        return [m for m in self.models if m.role == "student"]

    @property
    def all_passed(self) -> bool:
        return all(row.passed is not False for row in self.checks)


def load_manifest(folder: Path | str) -> ZooManifest:
    path = Path(folder) / MANIFEST_FILE
    if not path.exists():
        raise InputError("no zoo here (manifest.json missing)", path=folder, hint="build one: distillscope zoo build")
    manifest = read_model_json(ZooManifest, path, MANIFEST_FILE, "a zoo manifest")
    return manifest.model_copy(update={"folder": str(Path(folder).resolve())})
