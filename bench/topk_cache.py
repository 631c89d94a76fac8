"""The offline teacher cache: bytes per token, and how far its KD loss is from full logits, old and new format.

For k = 16, 32 and 64, a top-k cache of the teacher is built over chat data in format 2 (3-byte
ids, float16 log-probs), format 3 with one tail bin (Elias-Fano ids, 10-bit log-spaced log-probs,
the tail mass kept) and format 3 as built by default, which adds three ids drawn from the
teacher's tail and the tail's entropy (see distill/signal/cache_codec.py). Two numbers are reported for
each:

- the relative error of the KD loss computed from the cache, against the same loss from the
  teacher's full logits, with the same half-trained student (the trained toy teacher, its own
  vocabulary; several losses; a cache built for T=2 stores the tail's tempered mass);
- the cache's size in bytes per trained token at Qwen's 152,064-token vocabulary.

Beside the toy case, a real one: SmolLM2-135M-Instruct (GGUF, `make bench-teacher`) reads real
answers from ../shared/realdata/alpaca_eval in its chat format, and its format-3 caches at k = 16,
32 and 64 are compared with its full logits (vocabulary 49,152) for a student near it: SmolLM2 with
every other layer dropped, as a depth cut leaves it before recovery. There the bytes per token are
the real vocabulary's.

Goals for format 3: at most 100 bytes per token at k = 32, and a forward-KL error at T = 1 of at
most 0.3% (toy) and 0.5% (real). The last line is JSON: bytes_per_token_k32 and fkl_error_k32 (a
fraction) for format 3 as built by default, the same two under "lumped" (format 3, one tail bin)
and "old_format" (format 2), and under "real" fkl_error_k16/32/64 and bytes_per_token_k16/32/64
for SmolLM2 by default, with the one-bin figures under "real.lumped" (`--no-real` leaves the real
case out).

    .venv/bin/python bench/topk_cache.py [--no-real]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

import doubles_on_path  # noqa: F401 - puts tests/ (the doubles) on the path

sys.path.append(str(Path(__file__).resolve().parent))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
REAL_ANSWERS, REAL_TOKENS, REAL_ANSWERER = 12, 256, "gpt4_1106_preview"
WIDE_VOCAB = 152_064
LOSSES = [("forward_kl", 1.0), ("forward_kl", 2.0), ("reverse_kl", 1.0), ("jsd", 1.0)]


# (label, format, tail samples: None is the format's default)
VARIANTS = [("format 2", 2, 0), ("format 3, one tail bin", 3, 0), ("format 3 (default: tail samples)", 3, None)]


def signal_from(cache, count: int):
    from distillscope.distill.signal import TeacherSignal

    rows = [cache.rows(i) for i in range(count)]

    def joined(pick) -> torch.Tensor | None:
        return None if pick(rows[0]) is None else torch.from_numpy(np.concatenate([pick(r) for r in rows]))

    return TeacherSignal(
        topk_ids=joined(lambda r: r.ids),
        topk_logprobs=joined(lambda r: r.logprobs),
        topk_tail=joined(lambda r: r.tail),
        tail_ids=joined(lambda r: None if r.samples is None else r.samples.ids),
        tail_entropy=joined(lambda r: None if r.samples is None else r.samples.entropy),
    )


def every_other_layer(model):
    """A student near the teacher: the same model with every other decoder layer dropped."""
    import torch.nn as nn

    kept = list(model.model.layers)[::2]
    for index, layer in enumerate(kept):
        layer.self_attn.layer_idx = index
    model.model.layers = nn.ModuleList(kept)
    model.config.num_hidden_layers = len(kept)
    if getattr(model.config, "layer_types", None):
        model.config.layer_types = model.config.layer_types[: len(kept)]
    return model


def real_case(work: Path) -> dict[str, float]:
    """The format-3 cache's forward-KL error and size on SmolLM2's next-token distributions."""
    import smol
    from distillscope.distill.common import (
        IGNORE,
        DistillCollator,
        build_examples,
        load_model,
        load_tokenizer,
        vocab_rows,
    )
    from distillscope.distill.signal import KDLoss, TeacherSignal, build_teacher_cache, distill_loss_sums, output_head

    folder = smol.smollm2_folder()
    tokenizer = load_tokenizer(folder)
    rows = [r for r in smol.real_answers() if r["model"] == REAL_ANSWERER][:REAL_ANSWERS]
    records = list(enumerate(smol.chat_records([(r["prompt"], r["response"]) for r in rows])))
    examples = build_examples(tokenizer, records, REAL_TOKENS)
    batch = DistillCollator(tokenizer.pad_token_id)([{"input_ids": e.input_ids, "labels": e.labels} for e in examples])
    mask = batch["labels"][:, 1:] != IGNORE
    targets = batch["labels"][:, 1:][mask]
    inputs = {k: batch[k] for k in ("input_ids", "attention_mask")}
    teacher = load_model(folder, dtype="float32", device="cpu").eval()
    student = every_other_layer(load_model(folder, dtype="float32", device="cpu")).eval()
    vocab = vocab_rows(teacher)
    loss = KDLoss(name="forward_kl", temperature=1.0, kd_weight=1.0)
    with torch.no_grad():
        s_hidden = student(**inputs, output_hidden_states=True, use_cache=False).hidden_states[-1][:, :-1][mask]
        t_hidden = teacher(**inputs, output_hidden_states=True, use_cache=False).hidden_states[-1][:, :-1][mask]
        s_head, t_head = output_head(student, vocab), output_head(teacher, vocab)
        full = distill_loss_sums(s_hidden, s_head, targets, loss, TeacherSignal(t_hidden, t_head))[0]
        top_mass = torch.topk(torch.softmax(t_head(t_hidden), -1), 32).values.sum(-1).mean().item()
    out: dict[str, float] = {"tokens": len(targets), "vocab": vocab, "top32_mass": round(top_mass, 4)}
    print(f"\nSmolLM2-135M-Instruct on {len(examples)} real answers ({REAL_ANSWERER}), {len(targets)} trained")
    print(f"  tokens, vocabulary {vocab:,}; its top-32 tokens hold {top_mass:.1%} of its mass on average;")
    per_token = full.item() / len(targets)
    print(f"  student: SmolLM2 with every other layer dropped; forward KL at T = 1 from full logits {per_token:.3f}")
    lumped: dict[str, float] = {}
    for k in (16, 32, 64):
        for samples, into in ((0, lumped), (None, out)):
            folder = work / f"real-{k}-{samples}"
            cache = build_teacher_cache(teacher, vocab, examples, folder, k=k, format_version=3, tail_samples=samples)
            with torch.no_grad():
                sparse = distill_loss_sums(s_hidden, s_head, targets, loss, signal_from(cache, len(examples)))[0]
            into[f"fkl_error_k{k}"] = round(abs(sparse - full).item() / full.item(), 6)
            into[f"bytes_per_token_k{k}"] = round(cache.meta.bytes_per_token, 2)
            error, size = into[f"fkl_error_k{k}"], into[f"bytes_per_token_k{k}"]
            label = "one tail bin" if samples == 0 else f"{cache.meta.tail_samples} tail samples"
            print(f"  format 3, k={k:>2}, {label:<15}: forward-KL error {error:6.3%}, {size:.1f} bytes per token")
    out["tail_samples"] = cache.meta.tail_samples
    out["lumped"] = lumped
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-real", action="store_true", help="leave out the SmolLM2 case")
    args = parser.parse_args()
    from distillscope.distill.common import (
        IGNORE,
        DistillCollator,
        build_examples,
        load_model,
        load_tokenizer,
        vocab_rows,
    )
    from distillscope.distill.signal import KDLoss, TeacherSignal, build_teacher_cache, distill_loss_sums, output_head
    from distillscope.zoo.tinymodels import chat_texts, fit_causal_lm, make_tiny_model
    from doubles.toy import build_toy_model, toy_conversations

    results: dict[str, dict[str, dict[str, float]]] = {label: {} for label, _, _ in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="bench-topk-") as scratch:
        work = Path(scratch)
        teacher_dir = build_toy_model(work / "teacher", steps=300)
        tokenizer = load_tokenizer(teacher_dir)
        student = make_tiny_model(tokenizer, seed=1)  # half-trained, on the teacher's tokenizer
        fit_causal_lm(student, tokenizer, chat_texts(tokenizer, toy_conversations(200, seed=1)), steps=60, block=64)
        records = [(i, {"messages": c}) for i, c in enumerate(toy_conversations(64, seed=21))]
        examples = build_examples(tokenizer, records, 256)
        batch = DistillCollator(tokenizer.pad_token_id)(
            [{"input_ids": e.input_ids, "labels": e.labels} for e in examples]
        )
        mask = batch["labels"][:, 1:] != IGNORE
        targets = batch["labels"][:, 1:][mask]
        inputs = {k: batch[k] for k in ("input_ids", "attention_mask")}

        teacher = load_model(teacher_dir).eval()
        student.eval()
        vocab = vocab_rows(teacher)
        with torch.no_grad():
            s_hidden = student(**inputs, output_hidden_states=True).hidden_states[-1][:, :-1][mask]
            t_hidden = teacher(**inputs, output_hidden_states=True).hidden_states[-1][:, :-1][mask]
            s_head, t_head = output_head(student, vocab), output_head(teacher, vocab)
            top_mass = torch.topk(torch.softmax(t_head(t_hidden), -1), 32).values.sum(-1).mean().item()
        print("Top-k teacher cache vs full logits: relative error of the summed KD loss")
        print(f"  {len(examples)} toy chat examples, {len(targets)} trained tokens, teacher vocab {vocab};")
        print(f"  the teacher's top-32 tokens hold {top_mass:.1%} of its mass on average")
        for label, version, samples in VARIANTS:
            print(f"  {label}:")
            for k in (16, 32, 64):
                errors = []
                for name, temperature in LOSSES:
                    loss = KDLoss(name=name, temperature=temperature, kd_weight=1.0)
                    folder = work / f"cache-{version}-{samples}-{k}-{temperature:g}"
                    cache = build_teacher_cache(
                        teacher, vocab, examples, folder, k=k, temperature=temperature, format_version=version,
                        tail_samples=samples,
                    )  # fmt: skip
                    cached = signal_from(cache, len(examples))
                    with torch.no_grad():
                        full = distill_loss_sums(s_hidden, s_head, targets, loss, TeacherSignal(t_hidden, t_head))[0]
                        sparse = distill_loss_sums(s_hidden, s_head, targets, loss, cached)[0]
                    error = abs(sparse - full).item() / full.item()
                    results[label].setdefault(str(k), {})[f"{name}_T{temperature:g}"] = error
                    errors.append(f"{name} T={temperature:g}: {error:6.3%}")
                print(f"    k={k:>2}: " + "   ".join(errors))

        print(f"\n  bytes per token at a {WIDE_VOCAB:,}-token vocabulary, for the same examples:")
        wide = load_model(teacher_dir).eval()
        wide.resize_token_embeddings(WIDE_VOCAB, mean_resizing=False)
        sizes: dict[str, dict[str, float]] = {label: {} for label, _, _ in VARIANTS}
        for label, version, samples in VARIANTS:
            for k in (16, 32, 64):
                for temperature in (1.0, 2.0):
                    folder = work / f"wide-{version}-{samples}-{k}-{temperature:g}"
                    cache = build_teacher_cache(
                        wide, WIDE_VOCAB, examples[:8], folder, k=k, temperature=temperature,
                        format_version=version, tail_samples=samples,
                    )  # fmt: skip
                    sizes[label][f"k{k}_T{temperature:g}"] = round(cache.meta.bytes_per_token, 2)
            row = "   ".join(f"{key}: {value:6.1f}" for key, value in sizes[label].items())
            print(f"    {label:<34} {row}")
        print("\n  goals for format 3: at most 100 bytes per token at k = 32; forward KL at T = 1 off by at most 0.3%")
        real = None if args.no_real else real_case(work)

    def headline(label: str) -> dict[str, float]:
        return {
            "bytes_per_token_k32": sizes[label]["k32_T1"],
            "fkl_error_k32": round(results[label]["32"]["forward_kl_T1"], 6),
        }

    default, lumped, old = (label for label, _, _ in reversed(VARIANTS))
    summary = {
        **headline(default),
        "lumped": headline(lumped),
        "old_format": headline(old),
        "errors": results,
        "bytes_per_token": sizes,
        "tokens": len(targets),
    }
    if real is not None:
        summary["real"] = real
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
