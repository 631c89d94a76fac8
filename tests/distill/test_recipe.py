"""`recipe`: the DistilQwen2.5 pipeline end to end on the micro zoo's teacher, and its rerun from the store."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from distillscope.fileio.jsonl import read_jsonl, write_jsonl
from distillscope.store import RunStore


def recipe_config(micro_zoo, tmp_path: Path) -> Path:
    prompts = [r for _, r in read_jsonl(Path(micro_zoo.folder) / "data" / "student-prompts.jsonl")]
    math = [r for r in prompts if r["category"] == "math" and r.get("answer")][:10]
    general = [r for r in prompts if r["category"] == "general"][:6]
    source = tmp_path / "prompts.jsonl"
    write_jsonl(source, math + general)
    config = {
        "teacher": f"hf:{micro_zoo.path('teacher-aurora')}",
        "student": f"hf:{micro_zoo.path('base')}",
        "source": {"path": str(source)},
        "output": str(tmp_path / "recipe"),
        "expand": {"count": 3, "k": 2, "params": {"max_tokens": 40}},
        "generate": {
            "mode": "cot",
            "system": "",  # the zoo's teachers answer bare questions; their last number is the answer
            "params": {"temperature": 0.5, "max_tokens": 96, "seed": 0},
            "filters": {"category_cap": 8, "dedup": False},
        },
        "cache": {"k": 8},
        "train": {
            "max_steps": 3,
            "batch_size": 4,
            "max_length": 256,
            "learning_rate": 1e-3,
            "logging_steps": 1,
            "loss": {"name": "forward_kl", "kd_weight": 0.5},
        },
        "eval": {"holdout": 0.25},
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_the_distilqwen_recipe_runs_end_to_end_on_the_zoo_teacher(micro_zoo, tmp_path, cli, store_path):
    config = recipe_config(micro_zoo, tmp_path)
    result = cli("recipe", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "recipe"
    summary = json.loads((out / "recipe.json").read_text())
    assert summary["expand"]["asked"] >= summary["expand"]["accepted"] >= 1
    assert summary["prompts"] == 16 + summary["expand"]["accepted"]
    generated = summary["generate"]
    assert generated["mode"] == "cot" and generated["requested"] == summary["prompts"]
    kept = [r for _, r in read_jsonl(out / "data" / "generated.jsonl")]
    assert len(kept) == generated["kept"] == summary["train_records"] + summary["heldout_records"]
    assert all(r["answer"] is not None for r in kept if r["reference_answer"] is not None)  # answers were checked
    rejected = [r for _, r in read_jsonl(out / "data" / "generated.rejected.jsonl")]
    assert {r["drop_reason"] for r in rejected} <= {"answer_mismatch", "no_answer", "truncated", "category_cap"}
    cache = summary["cache"]
    assert cache["k"] == 8 and cache["examples"] == summary["train_records"] and cache["teacher"].endswith("aurora")
    assert summary["train"]["steps"] == 3
    before, after = summary["eval_before"], summary["eval_after"]
    assert before["examples"] == after["examples"] == summary["heldout_records"]
    assert after["top1_agreement"] is not None and after["mean_kl"] is not None
    assert after["mean_kl"] != before["mean_kl"]  # the student moved
    assert (out / "student" / "config.json").exists() and "eval after" in result.stdout

    calls_before = RunStore(store_path).count_calls()
    again = cli("recipe", "--config", str(config))
    assert again.exit_code == 0, again.stderr
    assert RunStore(store_path).count_calls() == calls_before  # every writer call came from the store
    rerun = json.loads((out / "recipe.json").read_text())
    assert rerun["train"]["already_done"] and rerun["eval_after"] == after
