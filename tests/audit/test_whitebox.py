"""White-box signals on tiny local models: likelihood, next-token agreement, representations."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from distillscope.audit.whitebox.agreement import gram_row_correlations, linear_cka
from distillscope.fileio.jsonl import write_jsonl
from doubles.toy import TOY_PROMPTS


def test_linear_cka_is_invariant_to_rotation_and_scale_and_low_for_noise():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 8))
    rotation, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    assert linear_cka(x, 3 * x @ rotation) == pytest.approx(1.0)
    assert linear_cka(x, rng.normal(size=(40, 8))) < 0.5
    assert gram_row_correlations(x, x @ rotation).mean() == pytest.approx(1.0)


@pytest.fixture(scope="module")
def panel_dirs(toy_model_dir, tmp_path_factory):
    """Two untrained models on the toy tokenizer: unrelated to the toy model in every way."""
    from distillscope.distill.common import load_tokenizer
    from distillscope.zoo.tinymodels import make_tiny_model, save_model

    tokenizer = load_tokenizer(toy_model_dir)
    folder = tmp_path_factory.mktemp("panel")
    return [save_model(make_tiny_model(tokenizer, seed=s), tokenizer, folder / f"u{s}") for s in (11, 12, 13)]


def test_the_same_weights_are_distilled_by_every_white_box_signal_and_an_api_target_is_left_out(
    cli, toy_model_dir, panel_dirs, tmp_path
):
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, [{"id": f"p{i}", "prompt": p} for i, p in enumerate(TOY_PROMPTS)])
    # The same weights in another folder: the reference's own spec would be refused as auditing itself.
    copied = shutil.copytree(toy_model_dir, tmp_path / "copied-weights")
    config = tmp_path / "audit.yaml"
    config.write_text(
        f"""reference: {{model: "hf:{toy_model_dir}", label: toy, facts: openai}}
targets:
  - {{model: copy, label: the same weights}}
  - {{model: "http://127.0.0.1:9/v1#api-model", label: an API model}}
panel: [{", ".join(f'{{model: "hf:{d}", label: unrelated {i}}}' for i, d in enumerate(panel_dirs))}]
models: {{copy: {{spec: "hf:{copied}", name: copy}}}}
methods: [likelihood, agreement]
rse: {{prompts: ["{prompts}"], params: {{max_tokens: 24}}}}
output: {tmp_path / "out"}
""",
        encoding="utf-8",
    )
    dry = cli("audit", "--config", str(config), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "needs its weights" in dry.stderr and "an API model" in dry.stderr
    # The API model cannot even answer the shared prompts here (nothing listens on port 9): leave it out.
    config.write_text(
        config.read_text().replace('  - {model: "http://127.0.0.1:9/v1#api-model", label: an API model}\n', "")
    )
    run = cli("audit", "--config", str(config))
    assert run.exit_code == 0, run.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    evidence = {(e["method"], e["label"]): e for e in results["evidence"]}
    copy = {m["name"]: m["value"] for m in evidence[("agreement", "the same weights")]["measures"]}
    assert copy["kl"] == pytest.approx(0.0, abs=1e-4) and copy["top1"] == 1.0 and copy["cka"] > 0.99
    ceiling = evidence[("likelihood", "toy")]["measures"][0]["value"]
    assert evidence[("likelihood", "the same weights")]["measures"][0]["value"] == pytest.approx(ceiling)
    assert evidence[("likelihood", "unrelated 0")]["measures"][0]["value"] < ceiling - 0.5
    verdict = results["verdict"]["targets"][0]
    assert verdict["verdict"] == "distilled" and set(verdict["methods"]) == {"likelihood", "agreement"}
    assert "White-box likelihood" in run.stdout and "White-box agreement" in run.stdout
