"""`prune` (Minitron): importance, the pruned shapes and weights, and a pruned folder every tool loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from distillscope.distill.common import build_examples, load_tokenizer
from distillscope.distill.pruning import (
    ImportanceSettings,
    PruneJob,
    Targets,
    UnsupportedArchitecture,
    build_pruned,
    estimate_importance,
    plan_keep,
    run_prune,
)
from distillscope.distill.pruning.architecture import parameter_count, shape_of
from distillscope.distill.pruning.importance import over_sequence
from distillscope.distill.pruning.job import calibration_batches
from distillscope.errors import InputError
from distillscope.fileio.jsonl import write_jsonl
from distillscope.zoo.tinymodels import TinySize, chat_texts, make_tiny_model
from doubles.toy import toy_conversations

SHAPE = TinySize(hidden=32, layers=3, heads=4, kv_heads=2, intermediate=48)
PROBE = torch.tensor([[5, 17, 42, 99, 7, 3, 250, 11], [8, 8, 120, 64, 2, 31, 77, 9]])


@pytest.fixture(scope="module")
def tokenizer(toy_model_dir):
    return load_tokenizer(toy_model_dir)


@pytest.fixture(scope="module")
def batches(tokenizer):
    texts = chat_texts(tokenizer, toy_conversations(24, seed=4))
    examples = build_examples(tokenizer, [(i, {"text": t}) for i, t in enumerate(texts)], 64)
    return calibration_batches(examples, tokenizer.pad_token_id, 8, torch.device("cpu"))


def tiny(tokenizer, arch="llama", tied=True, seed=0):
    model = make_tiny_model(tokenizer, arch=arch, size=SHAPE, seed=seed)
    if not tied:
        model.config.tie_word_embeddings = False
        model.lm_head.weight = torch.nn.Parameter(torch.randn_like(model.lm_head.weight) * 0.02)
    with torch.no_grad():  # biases start at zero; make them matter, so slicing them is tested
        for name, param in model.named_parameters():
            if name.endswith("bias"):
                param.normal_(0, 0.5)
    return model.eval()


def logits(model, ids=PROBE):
    with torch.no_grad():
        return model(input_ids=ids).logits


def prune(model, batches, metric="loss", **targets):
    importance = estimate_importance(model, batches, ImportanceSettings(layer_metric=metric))
    plan = plan_keep(importance, shape_of(model.config), Targets(**targets))
    return importance, plan, build_pruned(model, plan)


@pytest.mark.parametrize(("arch", "tied"), [("llama", True), ("qwen2", True), ("qwen2", False), ("mistral", False)])
def test_pruning_nothing_copies_the_model_exactly(tokenizer, batches, arch, tied):
    model = tiny(tokenizer, arch, tied)
    _, plan, same = prune(model, batches)
    assert plan.layers == [0, 1, 2] and plan.channels == list(range(SHAPE.hidden))
    assert torch.equal(logits(same), logits(model))
    if arch == "qwen2":
        assert same.model.layers[0].self_attn.q_proj.bias is not None


def test_pruned_shapes_follow_the_targets(tokenizer, batches):
    model = tiny(tokenizer, "qwen2", tied=False)
    _, _, small = prune(model, batches, hidden=24, intermediate=20, heads=2, layers=2)
    config = small.config
    assert (config.hidden_size, config.intermediate_size, config.num_hidden_layers) == (24, 20, 2)
    assert (config.num_attention_heads, config.num_key_value_heads, config.head_dim) == (2, 1, 8)  # one KV group left
    assert config.layer_types == ["full_attention"] * 2
    attention = small.model.layers[0].self_attn
    assert attention.q_proj.weight.shape == (16, 24) and attention.k_proj.weight.shape == (8, 24)
    assert attention.q_proj.bias.shape == (16,) and attention.o_proj.weight.shape == (24, 16)
    assert small.model.layers[1].mlp.down_proj.weight.shape == (24, 20)
    assert small.model.embed_tokens.weight.shape == (len(tokenizer), 24) and small.lm_head.weight.shape[1] == 24
    from transformers import AutoModelForCausalLM

    assert parameter_count(small) == parameter_count(AutoModelForCausalLM.from_config(config))
    _, by_head, evenly = prune(model, batches, heads=2, head_unit="head")
    assert (evenly.config.num_attention_heads, evenly.config.num_key_value_heads) == (2, 2)
    assert all(len(by_head.kv_heads[layer]) == 2 and len(heads) == 2 for layer, heads in by_head.heads.items())
    assert all(heads[0] < 2 <= heads[1] for heads in by_head.heads.values())  # one query head from each group
    with pytest.raises(InputError, match="not a whole number of KV groups"):
        prune(model, batches, heads=3)


def test_dead_neurons_and_kv_groups_rank_last_and_their_removal_changes_nothing(tokenizer, batches):
    model = tiny(tokenizer, "llama")
    dead_neurons, dead_group = [3, 10, 40], 1
    with torch.no_grad():
        for layer in model.model.layers:
            layer.mlp.gate_proj.weight[dead_neurons] = 0  # silu(0) = 0: these neurons never fire
            rows = slice(dead_group * 8, (dead_group + 1) * 8)
            layer.self_attn.v_proj.weight[rows] = 0  # the group's heads attend to zero values
    importance, plan, small = prune(model, batches, intermediate=SHAPE.intermediate - 3, heads=2)
    for layer in range(SHAPE.layers):
        assert all(importance.neurons[layer][n] == 0 for n in dead_neurons)
        assert min(importance.neurons[layer][n] for n in range(48) if n not in dead_neurons) > 0
        assert importance.heads[layer][2] == importance.heads[layer][3] == 0
        assert min(importance.heads[layer][:2]) > 0
        assert plan.kv_heads[layer] == [0] and plan.heads[layer] == [0, 1]
        assert not set(dead_neurons) & set(plan.neurons[layer])
    torch.testing.assert_close(logits(small), logits(model), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("metric", ["loss", "cosine"])
def test_a_layer_that_changes_nothing_is_the_one_removed(tokenizer, batches, metric):
    model = tiny(tokenizer, "qwen2")
    with torch.no_grad():
        model.model.layers[1].self_attn.o_proj.weight.zero_()
        model.model.layers[1].mlp.down_proj.weight.zero_()  # the block now returns its input
    importance, plan, small = prune(model, batches, metric=metric, layers=2)
    assert importance.layers[1] == pytest.approx(0, abs=1e-6)
    assert min(importance.layers[0], importance.layers[2]) > 1e-4
    assert plan.layers == [0, 2]
    torch.testing.assert_close(logits(small), logits(model), atol=1e-5, rtol=1e-5)


def test_a_width_cut_skips_the_layer_loss_passes_and_plans_the_same_cut(tokenizer, batches):
    """No layer goes, so the loss rise of skipping each one is never read: one pass instead of 1 + layers."""
    model = tiny(tokenizer, "llama")
    full_passes: list[int] = []
    width_passes: list[int] = []
    settings = ImportanceSettings(layer_metric="loss")
    full = estimate_importance(model, batches, settings, full_passes.append)
    width = estimate_importance(model, batches, settings, width_passes.append, cuts_layers=False)
    assert sum(full_passes) == (1 + SHAPE.layers) * len(batches) and sum(width_passes) == len(batches)
    assert (full.layer_metric, width.layer_metric) == ("loss", "cosine")
    assert (width.heads, width.neurons, width.channels) == (full.heads, full.neurons, full.channels)
    targets = Targets(hidden=24, intermediate=20, heads=2)
    assert plan_keep(width, shape_of(model.config), targets) == plan_keep(full, shape_of(model.config), targets)


def test_a_dead_embedding_channel_ranks_last(tokenizer, batches):
    model = tiny(tokenizer, "llama")
    with torch.no_grad():
        model.model.embed_tokens.weight[:, 5] = 0
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight[5] = 0
            layer.mlp.down_proj.weight[5] = 0  # nothing ever writes channel 5 of the residual stream
    importance, plan, _ = prune(model, batches, hidden=31)
    assert importance.channels[5] == 0 and min(c for i, c in enumerate(importance.channels) if i != 5) > 0
    assert 5 not in plan.channels


def test_sequence_aggregation_ignores_padding():
    values = torch.tensor([[[1.0], [3.0], [100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert over_sequence(values, mask, "mean").item() == pytest.approx(2.0)
    assert over_sequence(values, mask, "l2").item() == pytest.approx(10**0.5)


def test_a_pruned_folder_loads_in_transformers_runs_eval_and_recovers_with_kd(
    toy_model_dir, toy_chat_data, tmp_path, cli
):
    from transformers import AutoModelForCausalLM

    train, held = toy_chat_data
    out = tmp_path / "pruned"
    summary = run_prune(
        PruneJob(model=f"hf:{toy_model_dir}", calibration=str(train), output=out, num_layers=1, intermediate_size=64)
    )
    assert summary.parameters_after < summary.parameters_before
    loaded = AutoModelForCausalLM.from_pretrained(out)
    assert loaded.config.num_hidden_layers == 1 and loaded.config.intermediate_size == 64
    assert parameter_count(loaded) == summary.parameters_after
    report = json.loads((out / "pruning.json").read_text())
    assert report["kept"]["layers"] == summary.kept_layers and len(report["importance"]["layers"]) == 2
    assert (out / "tokenizer.json").read_text() == (Path(toy_model_dir) / "tokenizer.json").read_text()
    result = cli("eval", "--student", f"hf:{out}", "--teacher", f"hf:{toy_model_dir}", "--data", str(held))
    assert result.exit_code == 0, result.stderr
    assert "perplexity" in result.stdout
    recovered = tmp_path / "recovered"
    result = cli(
        "train", "--mode", "kd", "--student", f"hf:{out}", "--teacher", f"hf:{toy_model_dir}", "--data", str(train),
        "--max-steps", "2", "--batch-size", "4", "-o", str(recovered),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert AutoModelForCausalLM.from_pretrained(recovered).config.num_hidden_layers == 1


def test_an_unsupported_architecture_is_one_clear_line(tmp_path, cli):
    from transformers import GPT2Config, GPT2LMHeadModel

    folder = tmp_path / "gpt2"
    GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=16, n_head=2, vocab_size=50)).save_pretrained(folder)
    data = tmp_path / "calib.jsonl"
    write_jsonl(data, [{"text": "hello"}])
    with pytest.raises(UnsupportedArchitecture, match="cannot prune a 'gpt2' model"):
        run_prune(PruneJob(model=f"hf:{folder}", calibration=str(data), output=tmp_path / "out", num_layers=1))
    result = cli(
        "prune", "--model", f"hf:{folder}", "--calibration", str(data), "--num-layers", "1", "-o", str(tmp_path / "out")
    )
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot prune a 'gpt2' model: prune supports llama, mistral, qwen2" in lines[0]
