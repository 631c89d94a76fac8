"""Training end to end on tiny models: SFT, KD from a live teacher, KD from a cache, LoRA, resume."""

from __future__ import annotations

import json

import pytest

from distillscope.distill.signal import TeacherCacheJob, run_teacher_cache
from distillscope.distill.training import EvalJob, TrainJob, evaluate, train
from distillscope.errors import InputError


def _eval(model_dir, teacher_dir, held):
    return evaluate(EvalJob(student=f"hf:{model_dir}", teacher=f"hf:{teacher_dir}", data=str(held)))


def _job(student, teacher, data, output, **overrides):
    settings = dict(
        student=f"hf:{student}",
        teacher=f"hf:{teacher}" if teacher else None,
        data=str(data),
        output=output,
        max_steps=30,
        batch_size=8,
        learning_rate=3e-3,
        loss={"kd_weight": 1.0},
        logging_steps=10,
        save_steps=15,
    )
    return TrainJob(**{**settings, **overrides})


def test_kd_lowers_the_kl_to_the_teacher_within_a_few_dozen_steps(
    toy_model_dir, untrained_student_dir, toy_chat_data, tmp_path
):
    train_data, held = toy_chat_data
    before = _eval(untrained_student_dir, toy_model_dir, held)
    summary = train(_job(untrained_student_dir, toy_model_dir, train_data, tmp_path / "kd", mode="kd"))
    after = _eval(tmp_path / "kd", toy_model_dir, held)
    assert summary.steps == 30 and (tmp_path / "kd" / "config.json").exists()
    assert after.mean_kl < 0.6 * before.mean_kl
    assert after.top1_agreement > before.top1_agreement
    logged = json.loads((tmp_path / "kd" / "checkpoints" / "checkpoint-30" / "trainer_state.json").read_text())
    assert any("loss_kd" in entry for entry in logged["log_history"])


def test_sft_and_kd_offline_train_and_the_output_is_a_model_folder(
    toy_model_dir, untrained_student_dir, toy_chat_data, tmp_path
):
    from distillscope.models import get_model

    train_data, held = toy_chat_data
    cache = run_teacher_cache(
        TeacherCacheJob(teacher=f"hf:{toy_model_dir}", data=str(train_data), output=tmp_path / "cache", k=16)
    )
    before = _eval(untrained_student_dir, toy_model_dir, held)
    for mode in ("sft", "kd-offline"):
        job = _job(
            untrained_student_dir,
            None,
            train_data,
            tmp_path / mode,
            mode=mode,
            teacher_cache=cache.folder if mode == "kd-offline" else None,
        )
        train(job)
        after = _eval(tmp_path / mode, toy_model_dir, held)
        assert after.perplexity < before.perplexity / 4, mode
    model = get_model(f"hf:{tmp_path / 'kd-offline'}")  # loads through the ordinary backend
    assert "<|im_start|>assistant" in model.chat_prompt([{"role": "user", "content": "hi"}])


def test_lora_trains_adapters_and_writes_a_merged_model(toy_model_dir, untrained_student_dir, toy_chat_data, tmp_path):
    train_data, held = toy_chat_data
    job = _job(
        untrained_student_dir,
        toy_model_dir,
        train_data,
        tmp_path / "lora",
        mode="kd",
        max_steps=10,
        lora={"r": 4, "target_modules": ["q_proj", "v_proj"]},
        learning_rate=1e-2,
    )
    train(job)
    files = {p.name for p in (tmp_path / "lora").iterdir()}
    assert "model.safetensors" in files and "adapter_config.json" not in files  # merged into plain weights
    before = _eval(untrained_student_dir, toy_model_dir, held)
    assert _eval(tmp_path / "lora", toy_model_dir, held).mean_kl < before.mean_kl


def test_resume_continues_from_the_checkpoint_and_a_finished_job_is_not_redone(
    toy_model_dir, untrained_student_dir, toy_chat_data, tmp_path
):
    train_data, _ = toy_chat_data
    output = tmp_path / "resume"
    first = train(_job(untrained_student_dir, toy_model_dir, train_data, output, mode="kd", max_steps=15))
    assert first.steps == 15
    # Same settings but longer: a new job, so the old checkpoints belong to another job.
    with pytest.raises(InputError, match="checkpoints of a different training job"):
        train(_job(untrained_student_dir, toy_model_dir, train_data, output, mode="kd", max_steps=30))
    again = train(_job(untrained_student_dir, toy_model_dir, train_data, output, mode="kd", max_steps=15))
    assert again.already_done and again.steps == 15


def test_interrupted_training_resumes(toy_model_dir, untrained_student_dir, toy_chat_data, tmp_path):
    """A run stopped after its first checkpoint picks up there, not from step 0."""
    from transformers import TrainerCallback

    import distillscope.distill.training.job as train_module

    train_data, _ = toy_chat_data
    job = _job(untrained_student_dir, None, train_data, tmp_path / "stop", mode="sft", max_steps=20, save_steps=10)

    class Crash(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            if state.global_step == 10:
                raise KeyboardInterrupt

    original = train_module._ProgressCallback

    class CrashingProgress(original):
        def on_save(self, *args, **kwargs):
            Crash().on_save(*args, **kwargs)

    train_module._ProgressCallback = CrashingProgress
    try:
        with pytest.raises(KeyboardInterrupt):
            train(job)
    finally:
        train_module._ProgressCallback = original
    summary = train(job)
    assert summary.resumed_from is not None and summary.resumed_from.endswith("checkpoint-10")
    assert summary.steps == 20
