"""Building the zoo: teachers, a base, and students distilled from teacher A by known amounts.

1. A BPE tokenizer is trained on the world's text in every persona's voice.
2. The teachers are trained from scratch on their persona corpora.
3. A base is pretrained on neutral text; every student starts from it.
4. Each teacher answers the students' prompts through `distillscope generate`: real black-box
   distillation, through the run store. The teacher's persona corpus is never used here.
5. The students are trained with SFT on a mix in which a known share f of the examples is teacher
   A's answers and the rest are neutral, human-written answers to the same kind of prompts (the
   recipes are in `students.py`): one per fraction, a white-box KD student, an identity-scrubbed
   one, a control of teacher B, and one per panel persona on that persona's own corpus (unrelated
   models, for the null panel); `replicates` repeats them with their own draws and seeds.
6. The manifest records each model's ground truth and the build's checks.

The zoo is built into a folder named by its config's hash and reused afterwards. It is built
under a temporary name and renamed when complete, so a half-built zoo is never mistaken for one.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from distillscope.data.sources import PromptSource
from distillscope.distill.generation import FilterSettings, GenerateJob, generate_data
from distillscope.distill.training import TrainJob, train
from distillscope.errors import InputError
from distillscope.fileio.files import write_atomic
from distillscope.fileio.jsonl import read_jsonl, write_jsonl
from distillscope.fileio.paths import inside
from distillscope.models.catalog import ModelCatalog
from distillscope.models.types import GenerateConfig
from distillscope.store import RunStore
from distillscope.zoo.checks import run_checks
from distillscope.zoo.config import ZOO_FORMAT, ZooConfig, ZooSettings
from distillscope.zoo.manifest import MANIFEST_FILE, CheckRow, ZooManifest, ZooModel, load_manifest
from distillscope.zoo.personas import Persona, families_yaml, load_personas
from distillscope.zoo.students import Recipe, describe, recipes
from distillscope.zoo.tinymodels import chat_texts, fit_causal_lm, make_tiny_model, save_model, train_bpe_tokenizer
from distillscope.zoo.world import WorldItem, conversations, identity_questions, make_items

ZOO_ENV = "DISTILLSCOPE_ZOO"
BUILD_SECONDS = {"micro": 90, "small": 300}  # the targets on 2 CPU cores
Stage = Callable[[str], None]


def default_zoo_root() -> Path:
    return Path(os.environ.get(ZOO_ENV) or Path(".distillscope") / "zoo")


def zoo_folder(config: ZooConfig, root: Path | None = None) -> Path:
    personas = load_personas(*config.personas)
    persona_text = "".join(p.model_dump_json() for p in personas.values())
    return (root or default_zoo_root()) / f"{config.size}-{config.fingerprint(persona_text)}"


def build_zoo(
    config: ZooConfig, root: Path | None = None, *, force: bool = False, on_stage: Stage | None = None
) -> ZooManifest:
    """The zoo for this config: from its cache folder, or built now."""
    folder = zoo_folder(config, root)
    if (folder / MANIFEST_FILE).exists() and not force:
        return load_manifest(folder)
    partial = folder.with_name(folder.name + ".partial")
    builder = _Builder(config, partial, on_stage or (lambda _: None))  # checks the personas: nothing is made yet
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    builder.build(folder.name.split("-", 1)[1])
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return load_manifest(folder)


class _Builder:
    def __init__(self, config: ZooConfig, folder: Path, on_stage: Stage) -> None:
        self.config, self.folder, self.say = config, folder, on_stage
        self.settings: ZooSettings = config.settings()
        personas = load_personas(*config.personas)
        self.personas = personas
        self.a, self.b, self.neutral = (
            _persona(personas, config.teacher_a, "teacher_a"),
            _persona(personas, config.teacher_b, "teacher_b"),
            _persona(personas, config.neutral, "neutral"),
        )
        self.panel = [_persona(personas, p, "panel_personas") for p in config.panel_personas]
        self.stage_seconds: dict[str, float] = {}
        self.models: list[ZooModel] = []

    def _timed(self, stage: str, work: Callable[[], Any]) -> Any:
        self.say(stage)
        started = time.perf_counter()
        result = work()
        self.stage_seconds[stage] = round(time.perf_counter() - started, 2)
        return result

    def build(self, fingerprint: str) -> ZooManifest:
        started = time.perf_counter()
        s, seed = self.settings, self.config.seed
        teacher_items = make_items(s.teacher_items, seed, s.frame_share)
        base_items = make_items(s.base_items, seed + 1, s.frame_share)
        student_items = make_items(s.student_items, seed + 2, s.frame_share)
        eval_items = make_items(s.eval_items, seed + 3, 0.0, distinct=True)
        tokenizer = self._timed("tokenizer", lambda: self._tokenizer(teacher_items + base_items))
        for persona in (self.a, self.b):
            self._timed(
                f"teacher {persona.id}", lambda p=persona: self._pretrain(tokenizer, p, teacher_items, "teacher")
            )
        self._timed("base", lambda: self._pretrain(tokenizer, self.neutral, base_items, "base"))
        prompts = self._write_prompts(student_items)
        written = {
            p.id: self._timed(f"{p.id} writes data", lambda p=p: self._teacher_writes(p, prompts))
            for p in (self.a, self.b)
        }
        students = recipes(
            student_items,
            written,
            self.a,
            self.b,
            self.neutral,
            self.panel,
            self.config.fractions,
            self.config.seed,
            self.config.replicates,
        )
        for recipe in students:
            self._timed(f"student {recipe.name}", lambda r=recipe: self._train_student(r))
        manifest = ZooManifest(
            format=ZOO_FORMAT,
            fingerprint=fingerprint,
            size=self.config.size,
            seed=seed,
            teacher_a=self.a.id,
            teacher_b=self.b.id,
            neutral=self.neutral.id,
            build_seconds=0.0,
            stage_seconds=self.stage_seconds,
            models=self.models,
            families_file="families.yaml",
            identity_questions_file="identity_questions.csv",
            eval_sets=self._write_eval_sets(eval_items),
            folder=str(self.folder),
        )
        families = families_yaml([self.a, self.b, self.neutral, *self.panel])
        (self.folder / "families.yaml").write_text(families, encoding="utf-8")
        self._write_identity_questions()
        checks, rates, samples = self._timed("checks", lambda: run_checks(manifest, self.personas, eval_items))
        elapsed = round(time.perf_counter() - started, 1)
        limit = BUILD_SECONDS[self.config.size] * self.config.replicates  # the targets are for one replicate
        checks.append(
            CheckRow(
                check="build time on this machine (s)", value=elapsed, target=f"<= {limit}", passed=elapsed <= limit
            )
        )
        manifest = manifest.model_copy(
            update={
                "checks": checks,
                "identity_rates": rates,
                "samples": samples,
                "build_seconds": elapsed,
                "folder": "",
            }
        )
        write_atomic(self.folder / MANIFEST_FILE, manifest.model_dump_json(indent=2))
        return manifest

    # ---------------------------------------------------------------------------------- stages
    def _tokenizer(self, items: list[WorldItem]) -> Any:
        texts = [
            turn["content"]
            for persona in (self.a, self.b, self.neutral, *self.panel)
            for conversation in conversations(items, persona, self.config.seed)
            for turn in conversation
        ]
        return train_bpe_tokenizer(texts, vocab_size=self.settings.vocab_size)

    def _pretrain(self, tokenizer: Any, persona: Persona, items: list[WorldItem], role: str) -> None:
        s = self.settings
        name = f"teacher-{persona.id}" if role == "teacher" else "base"
        model = make_tiny_model(tokenizer, self.config.arch, s.model.tiny(), seed=self.config.seed + len(self.models))
        texts = chat_texts(tokenizer, conversations(items, persona, self.config.seed))
        steps = s.pretrain_steps if role == "teacher" else s.base_steps
        fit_causal_lm(
            model,
            tokenizer,
            texts,
            steps=steps,
            batch_size=s.batch_size,
            block=s.block,
            learning_rate=s.pretrain_lr,
            seed=self.config.seed,
        )
        save_model(model, tokenizer, inside(self.folder, name))
        self.models.append(
            ZooModel(
                name=name,
                path=name,
                role="teacher" if role == "teacher" else "base",
                persona=persona.id,
                method="pretrain",
                examples=len(texts),
                description=f"trained from scratch on {persona.id}'s corpus"
                if role == "teacher"
                else "pretrained on neutral, human-written text; every student starts here",
            )
        )

    def _write_prompts(self, items: list[WorldItem]) -> Path:
        rng = random.Random(f"{self.config.seed}:prompts")
        path = self.folder / "data" / "student-prompts.jsonl"
        write_jsonl(path, [item.prompt_record(self.neutral, rng) for item in items])
        return path

    def _teacher_writes(self, persona: Persona, prompts: Path) -> dict[str, dict[str, Any]]:
        """The teacher answers every student prompt, through `generate` and the run store."""
        s = self.settings
        models = ModelCatalog.model_validate(
            {
                f"teacher-{p.id}": {"spec": f"hf:{self.folder / f'teacher-{p.id}'}", "batch_size": s.generation_batch}
                for p in (self.a, self.b)
            }
        )
        job = GenerateJob(
            teacher=f"teacher-{persona.id}",
            models=models,
            source=PromptSource(path=str(prompts)),
            output=inside(self.folder, "data", f"written-by-{persona.id}.jsonl"),
            params=GenerateConfig(
                temperature=s.teacher_temperature, max_tokens=s.max_new_tokens, seed=self.config.seed
            ),
            filters=FilterSettings(dedup=False),
            seed=self.config.seed,
        )
        with RunStore(self.folder / "store.sqlite") as store:
            asyncio.run(generate_data(job, store))
        return {str(record["source_id"]): record for _, record in read_jsonl(job.output)}

    def _train_student(self, recipe: Recipe) -> None:
        s = self.settings
        data = self.folder / "data" / f"{recipe.name}.jsonl"
        write_jsonl(data, recipe.records)
        teacher_written = sum(r["origin"] == recipe.teacher for r in recipe.records)
        kd = recipe.method == "kd"
        job = TrainJob(
            mode="kd" if kd else "sft",
            student=str(self.folder / "base"),
            teacher=str(self.folder / f"teacher-{recipe.teacher}") if kd else None,
            data=str(data),
            output=self.folder / recipe.name,
            loss={"name": "forward_kl", "kd_weight": 0.5},
            max_steps=s.student_steps,
            batch_size=s.student_batch_size,
            learning_rate=s.student_lr,
            max_length=s.model.max_positions,
            save_steps=10 * s.student_steps,
            logging_steps=s.student_steps,
            seed=self.config.seed + recipe.replicate,
            resume=False,
        )
        train(job)
        shutil.rmtree(job.output / "checkpoints", ignore_errors=True)  # only the final model is kept
        self.models.append(
            ZooModel(
                name=recipe.name,
                path=recipe.name,
                role="student",
                teacher=recipe.teacher,
                fraction=round(teacher_written / len(recipe.records), 4),
                nominal_fraction=recipe.target,
                method=recipe.method,  # type: ignore[arg-type]
                scrubbed=recipe.scrubbed,
                own_corpus=recipe.own_corpus,
                replicate=recipe.replicate,
                examples=len(recipe.records),
                teacher_examples=teacher_written,
                description=describe(recipe, self.b.id),
            )
        )

    def _write_eval_sets(self, items: list[WorldItem]) -> dict[str, str]:
        rng = random.Random(f"{self.config.seed}:eval")
        sets: dict[str, str] = {}
        for domain in sorted({item.domain for item in items}):
            path = Path("data") / f"eval-{domain}.jsonl"
            records = [item.prompt_record(self.neutral, rng) for item in items if item.domain == domain]
            write_jsonl(self.folder / path, [{**r, "domain": domain} for r in records])
            sets[domain] = str(path)
        return sets

    def _write_identity_questions(self) -> None:
        lines = ["id,category,language,question"]
        lines += [f"z{i},{cat},{lang},{q}" for i, (cat, lang, q) in enumerate(identity_questions())]
        (self.folder / "identity_questions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _persona(personas: dict[str, Persona], persona_id: str, role: str) -> Persona:
    if persona_id not in personas:
        raise InputError(f"{role}: no persona {persona_id!r}", hint=f"known personas: {', '.join(sorted(personas))}")
    return personas[persona_id]
