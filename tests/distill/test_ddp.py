"""Training on several processes: `accelerate launch` with two CPU processes (gloo) trains as one
process with the same global batch would, and the shared files are written once."""

from __future__ import annotations

import json

import pytest
import yaml

from distillscope.distill.common import ranks
from distillscope.distill.signal import TeacherCacheJob, run_teacher_cache
from distillscope.distill.training import TrainJob, train
from distillscope.distill.training.job import JOB_FILE, _checkpoint_to_resume, job_fingerprint
from doubles.launch import launch, launch_train

STEPS = 4
MODEL_FILES = {"config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}


def _settings(mode, student, data, **extra):
    return {
        "mode": mode,
        "student": f"hf:{student}",
        "data": str(data),
        "max_steps": STEPS,
        "learning_rate": 3e-3,
        "max_length": 128,
        "loss": {"kd_weight": 0.5},
        "logging_steps": 1,
        "save_steps": STEPS,
        **extra,
    }


def _same_curve(launched, reference_folder):
    """Every logged loss term of the launched run within 1% of the one-process run, at every step."""
    reference = json.loads((reference_folder / JOB_FILE).read_text())["log"]
    for term in ("loss", "loss_kd", "loss_ce"):
        alone = {entry["step"]: entry[term] for entry in reference if term in entry}
        assert len(alone) == STEPS and alone.keys() == launched.losses(term).keys(), term
        for step, value in alone.items():
            assert launched.losses(term)[step] == pytest.approx(value, rel=0.01), (term, step)


def _two_processes_trained_and_one_wrote(launched, output):
    assert launched.record["processes"] == 2 and launched.record["steps"] == STEPS
    assert launched.stdout.count("Trained") == 1 and launched.stdout.count("2 processes, 8 examples per step") == 1
    assert {p.name for p in output.iterdir()} >= MODEL_FILES
    checkpoint = {p.name for p in (output / "checkpoints" / f"checkpoint-{STEPS}").iterdir()}
    assert {"rng_state_0.pth", "rng_state_1.pth"} <= checkpoint  # each rank's random state, in one checkpoint
    assert not [p for p in output.rglob("*") if p.name.startswith((".", "tmp"))]


def test_kd_on_two_processes_matches_one_process_with_the_same_global_batch(
    toy_model_dir, untrained_student_dir, toy_chat_data, tmp_path
):
    settings = _settings("kd", untrained_student_dir, toy_chat_data[0], teacher=f"hf:{toy_model_dir}")
    config = tmp_path / "kd.yaml"
    config.write_text(yaml.safe_dump(settings))
    launched = launch_train(2, ["--config", str(config), "--batch-size", "4"], tmp_path / "two", threads=1)
    train(TrainJob(**settings, batch_size=8, output=tmp_path / "one"))
    _two_processes_trained_and_one_wrote(launched, tmp_path / "two")
    _same_curve(launched, tmp_path / "one")


def test_a_teacher_cache_built_under_two_processes_is_written_once_and_equals_one_built_alone(
    toy_model_dir, toy_chat_data, tmp_path
):
    """One process builds, the other waits and opens it (kd-offline on two processes: bench/ddp.py)."""
    data = toy_chat_data[0]
    launched = launch(2, ["teacher-cache", "--teacher", f"hf:{toy_model_dir}", "--data", str(data), "-k", "8",
                          "--max-length", "128", "-o", str(tmp_path / "two")], threads=1)  # fmt: skip
    alone = run_teacher_cache(
        TeacherCacheJob(teacher=f"hf:{toy_model_dir}", data=str(data), k=8, max_length=128, output=tmp_path / "one")
    )
    assert launched.stdout.count("bytes per token") == 1  # the one that built it reports
    assert {p.name for p in (tmp_path / "two").iterdir()} == {"meta.json", "rows.bin"}
    assert (tmp_path / "two" / "rows.bin").read_bytes() == (alone.folder / "rows.bin").read_bytes()


def test_only_the_writer_clears_and_marks_the_checkpoint_folder(tmp_path):
    job = TrainJob(mode="sft", student="hf:s", data="d.jsonl", output=tmp_path, resume=False)
    old = tmp_path / "checkpoints" / "checkpoint-3"
    old.mkdir(parents=True)
    _checkpoint_to_resume(job, job_fingerprint(job), writer=False)
    assert old.exists() and not (tmp_path / "checkpoints" / "fingerprint.txt").exists()
    _checkpoint_to_resume(job, job_fingerprint(job), writer=True)
    assert not old.exists() and (tmp_path / "checkpoints" / "fingerprint.txt").read_text() == job_fingerprint(job)


@pytest.mark.parametrize(
    ("env", "processes", "main", "lone"),
    [
        ({}, 1, True, False),
        ({"WORLD_SIZE": "2", "RANK": "1", "MASTER_ADDR": "127.0.0.1"}, 2, False, False),
        ({"OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "0"}, 4, True, False),
        ({"ACCELERATE_USE_CPU": "True", "MASTER_ADDR": "127.0.0.1"}, 1, True, True),  # `--cpu --num_processes 2`
        ({"ACCELERATE_USE_CPU": "True"}, 1, True, False),  # `--cpu --num_processes 1`
    ],
)
def test_the_launcher_environment_says_who_writes(monkeypatch, env, processes, main, lone):
    for name in ("WORLD_SIZE", "RANK", "PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK",
                 "MV2_COMM_WORLD_SIZE", "MV2_COMM_WORLD_RANK", "MASTER_ADDR", "ACCELERATE_USE_CPU"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert ranks.launched_processes() == processes
    assert ranks.is_main_process() is main
    assert ranks.lone_cpu_launch() is lone
    assert ranks.use_cpu("cpu")
    monkeypatch.setattr(ranks, "_has_accelerator", lambda: False)
    assert ranks.use_cpu("auto") is (processes > 1)  # several processes and no GPU: the CPU, over gloo
