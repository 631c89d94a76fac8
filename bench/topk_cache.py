"""The offline teacher cache: bytes per token, and how far its KD loss is from full logits.

For k = 16, 32 and 64, a top-k cache of the teacher is built over chat data. Two numbers are
reported. The first is the relative error of the KD loss computed from the cache, against the
same loss from the teacher's full logits, with the same half-trained student. This uses the
trained toy teacher and its own vocabulary, for several losses. A cache built for T=2 stores the
tail's tempered mass, so that case is exact on its bins too. The second is the cache's size in
bytes per trained token at Qwen's 152,064-token vocabulary, where ids take 3 bytes. Expected:
under 200 bytes per token at k = 32.

    .venv/bin/python bench/topk_cache.py
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import torch

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
WIDE_VOCAB = 152_064


def main() -> None:
    from distillscope.distill.chunked import TeacherSignal, distill_loss_sums, output_head
    from distillscope.distill.dataset import IGNORE, DistillCollator, build_examples
    from distillscope.distill.loading import load_model, load_tokenizer, vocab_rows
    from distillscope.distill.loss_config import KDLoss
    from distillscope.distill.teacher_cache import build_teacher_cache
    from distillscope.testing.toy import build_toy_model, toy_conversations

    with tempfile.TemporaryDirectory(prefix="bench-topk-") as scratch:
        work = Path(scratch)
        teacher_dir = build_toy_model(work / "teacher", steps=300)
        student_dir = build_toy_model(work / "student", steps=60, seed=1)  # a half-trained student
        tokenizer = load_tokenizer(teacher_dir)
        records = [(i, {"messages": c}) for i, c in enumerate(toy_conversations(64, seed=21))]
        examples = build_examples(tokenizer, records, 256)
        batch = DistillCollator(tokenizer.pad_token_id)(
            [{"input_ids": e.input_ids, "labels": e.labels} for e in examples]
        )
        mask = batch["labels"][:, 1:] != IGNORE
        targets = batch["labels"][:, 1:][mask]
        inputs = {
            "input_ids": batch["input_ids"],
            "attention_mask": batch["attention_mask"],
            "output_hidden_states": True,
        }

        print("Top-k teacher cache vs full logits (64 toy chat examples; relative error of the summed KD loss)")
        teacher, student = load_model(teacher_dir).eval(), load_model(student_dir).eval()
        vocab = vocab_rows(teacher)
        with torch.no_grad():
            s_hidden = student(**inputs).hidden_states[-1][:, :-1][mask]
            t_hidden = teacher(**inputs).hidden_states[-1][:, :-1][mask]
            s_head, t_head = output_head(student, vocab), output_head(teacher, vocab)
            top_mass = torch.topk(torch.softmax(t_head(t_hidden), -1), 32).values.sum(-1).mean().item()
        losses = [("forward_kl", 1.0), ("forward_kl", 2.0), ("reverse_kl", 1.0), ("jsd", 1.0)]
        print(f"  teacher vocab {vocab}; its top-32 tokens hold {top_mass:.1%} of its mass on average")
        for k in (16, 32, 64):
            errors = []
            for name, temperature in losses:
                loss = KDLoss(name=name, temperature=temperature, kd_weight=1.0)
                folder = work / f"cache-{k}-{temperature:g}"
                cache = build_teacher_cache(teacher, vocab, examples, folder, k=k, temperature=temperature)
                rows = [cache.rows(i) for i in range(len(examples))]
                tail = None if rows[0].tail is None else torch.from_numpy(np.concatenate([r.tail for r in rows]))
                signal = TeacherSignal(
                    topk_ids=torch.from_numpy(np.concatenate([r.ids for r in rows])),
                    topk_logprobs=torch.from_numpy(np.concatenate([r.logprobs for r in rows])),
                    topk_tail=tail,
                )
                with torch.no_grad():
                    full = distill_loss_sums(s_hidden, s_head, targets, loss, TeacherSignal(t_hidden, t_head))[0]
                    sparse = distill_loss_sums(s_hidden, s_head, targets, loss, signal)[0]
                errors.append(f"{name} T={temperature:g}: {abs(sparse - full).item() / full.item():6.2%}")
            print(f"    k={k:>2}: " + "   ".join(errors))

        print(f"\n  bytes per token at a {WIDE_VOCAB:,}-token vocabulary (3-byte ids), for the same examples:")
        wide = load_model(teacher_dir).eval()
        wide.resize_token_embeddings(WIDE_VOCAB, mean_resizing=False)
        for k in (16, 32, 64):
            for temperature in (1.0, 2.0):
                cache = build_teacher_cache(
                    wide, WIDE_VOCAB, examples, work / f"wide-{k}-{temperature:g}", k=k, temperature=temperature
                )
                print(f"    k={k:>2}, T={temperature:g}: {cache.meta.bytes_per_token:6.1f} bytes/token")
        print("\n  expected: under 200 bytes per token at k = 32")


if __name__ == "__main__":
    main()
