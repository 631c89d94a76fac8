"""Cross-tokenizer KD between two tiny models whose BPE tokenizers differ: alignment, opt-in, learning."""

from __future__ import annotations

import pytest
import torch

from distillscope.distill.common import (
    IGNORE,
    DistillCollator,
    TokenizerMismatch,
    encode_chat,
    load_model,
    load_tokenizer,
    load_training_records,
    vocab_rows,
)
from distillscope.distill.signal import build_aligned_examples, output_head
from distillscope.distill.signal.cross_tokenizer import align
from distillscope.distill.signal.losses import sorted_l1
from distillscope.distill.training import TrainJob, train


@pytest.fixture(scope="module")
def other_student(toy_model_dir, other_tokenizer_student_dir):
    """The session's student of another tokenizer: other merges and ids than the teacher's."""
    assert load_tokenizer(other_tokenizer_student_dir).get_vocab() != load_tokenizer(toy_model_dir).get_vocab()
    return other_tokenizer_student_dir


def test_aligned_positions_predict_the_same_text(toy_model_dir, other_student):
    student_tok, teacher_tok = load_tokenizer(other_student), load_tokenizer(toy_model_dir)
    messages = [
        {"role": "user", "content": "What colour is the sky?"},
        {"role": "assistant", "content": "The sky is blue, mostly."},
    ]
    mine, theirs = encode_chat(student_tok, messages, 128), encode_chat(teacher_tok, messages, 128)
    assert mine.example.input_ids != theirs.example.input_ids
    student_index, teacher_positions = align(mine, theirs, [messages[1]["content"]])
    assert len(student_index) >= 5  # at least every word start and the end of the turn
    content = messages[1]["content"]
    s_begin, t_begin = mine.text.index(content), theirs.text.index(content)
    for i, t in zip(student_index, teacher_positions, strict=True):
        s_next = mine.example.loss_positions[i] + 1
        s_prefix = mine.text[s_begin : mine.offsets[s_next][0]]
        t_prefix = theirs.text[t_begin : theirs.offsets[t + 1][0]]
        assert s_prefix == t_prefix  # both models predict what follows the same text


def test_kd_across_tokenizers_stops_by_default_and_is_opt_in(toy_model_dir, other_student, toy_chat_data, tmp_path):
    job = dict(mode="kd", student=f"hf:{other_student}", teacher=f"hf:{toy_model_dir}", data=str(toy_chat_data[0]))
    with pytest.raises(TokenizerMismatch, match="cross-tokenizer uld"):
        train(TrainJob(**job, output=tmp_path / "refused", max_steps=1))
    with pytest.raises(ValueError, match="across tokenizers use uld"):
        TrainJob(**job, output=tmp_path / "x", cross_tokenizer="uld", loss={"name": "forward_kl"})
    assert TrainJob(**job, output=tmp_path / "x", cross_tokenizer="uld").loss.name == "uld"


def _held_out_uld(student_dir, teacher_dir, held) -> float:
    """Mean ULD distance between student and teacher at the aligned positions of held-out data."""
    student_tok, teacher_tok = load_tokenizer(student_dir), load_tokenizer(teacher_dir)
    student, teacher = load_model(student_dir).eval(), load_model(teacher_dir).eval()
    aligned = build_aligned_examples(student_tok, teacher_tok, load_training_records(held), 256)
    rows = [
        {
            "input_ids": a.student.input_ids,
            "labels": a.student.labels,
            "teacher_input_ids": a.teacher_ids,
            "align_student": a.student_index,
            "align_teacher": a.teacher_positions,
        }
        for a in aligned
    ]
    batch = DistillCollator(student_tok.pad_token_id, None, teacher_tok.pad_token_id)(rows)
    mask = batch["labels"][:, 1:] != IGNORE
    with torch.no_grad():
        s_out = student(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], output_hidden_states=True)
        t_out = teacher(
            input_ids=batch["teacher_input_ids"],
            attention_mask=batch["teacher_attention_mask"],
            output_hidden_states=True,
        )
        s_hidden = s_out.hidden_states[-1][:, :-1][mask][batch["align_student"]]
        t_last = t_out.hidden_states[-1]
        t_hidden = t_last.reshape(-1, t_last.shape[-1])[batch["align_teacher"]]
        s_lp = torch.log_softmax(output_head(student, vocab_rows(student))(s_hidden), -1)
        t_lp = torch.log_softmax(output_head(teacher, vocab_rows(teacher))(t_hidden), -1)
    return float(sorted_l1(t_lp, s_lp).mean())


def test_the_student_moves_toward_a_teacher_with_another_tokenizer(
    toy_model_dir, other_student, toy_chat_data, tmp_path
):
    train_data, held = toy_chat_data
    before = _held_out_uld(other_student, toy_model_dir, held)
    job = TrainJob(
        mode="kd",
        student=f"hf:{other_student}",
        teacher=f"hf:{toy_model_dir}",
        data=str(train_data),
        output=tmp_path / "cross",
        cross_tokenizer="uld",
        loss={"kd_weight": 1.0},
        max_steps=25,
        batch_size=8,
        learning_rate=2e-2,
        logging_steps=5,
        save_steps=25,
    )
    summary = train(job)
    after = _held_out_uld(tmp_path / "cross", toy_model_dir, held)
    assert summary.steps == 25
    assert after < 0.5 * before, (before, after)
