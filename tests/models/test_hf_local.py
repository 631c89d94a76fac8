"""The local transformers backend: batching must not change answers; scores must match the model."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil

import pytest
import torch

from distillscope.models import GenerateConfig, ModelConfig, get_model
from distillscope.models.hf_local import PLAIN_CHAT_TEMPLATE, HFLocalModel
from doubles.toy import TOY_PROMPTS


@pytest.fixture(scope="module")
def local(toy_model_dir) -> HFLocalModel:
    model = get_model(ModelConfig(spec=f"hf:{toy_model_dir}", batch_size=8))
    assert isinstance(model, HFLocalModel)
    return model


def _greedy_tokens(model: HFLocalModel, prompts: list[str]):
    config = GenerateConfig(temperature=0, max_tokens=20, logprobs=True)
    outs = model.generate_batch([model.prepare(p)[0] for p in prompts], config)
    return [([t.token for t in o.choices[0].logprobs], o.choices[0].text, o.usage) for o in outs]


def test_batched_greedy_equals_unbatched_token_for_token(local):
    prompts = [*TOY_PROMPTS, "What is the capital of France? Answer briefly please."]
    batched = _greedy_tokens(local, prompts)
    alone = [_greedy_tokens(local, [p])[0] for p in prompts]
    assert batched == alone
    assert len({text for _, text, _ in batched}) > 3  # the replies differ: the test is not vacuous


def test_concurrent_generate_calls_are_batched(local):
    async def fire():
        return await asyncio.gather(
            *(local.generate(p, GenerateConfig(temperature=0, max_tokens=8)) for p in TOY_PROMPTS)
        )

    before = local.counters.requests
    outs = asyncio.run(fire())
    assert local.counters.requests - before == len(TOY_PROMPTS)
    # One batch: every request reports the same batch latency.
    assert len({o.latency_s for o in outs}) == 1


def _direct_logprobs(model: HFLocalModel, context: str, text: str) -> list[float]:
    tok = model.tokenizer
    ctx = tok(context, add_special_tokens=False).input_ids
    ids = tok(text, add_special_tokens=False).input_ids
    full = torch.tensor([ctx + ids])
    with torch.no_grad():
        logits = model.model(input_ids=full).logits[0].float()
    logp = torch.log_softmax(logits, dim=-1)
    return [float(logp[len(ctx) + k - 1, ids[k]]) for k in range(len(ids))]


def test_logprobs_equal_a_direct_forward_pass(local):
    contexts = [local.chat_prompt([{"role": "user", "content": p}]) for p in TOY_PROMPTS[:4]]
    texts = ["7.", "The capital of Japan is Tokyo.", "Snow is white and cold, very cold indeed.", "Hi"]
    scores = asyncio.run(local.token_logprobs(texts, contexts))
    for context, text, score in zip(contexts, texts, scores, strict=True):
        direct = _direct_logprobs(local, context, text)
        assert score.logprobs == pytest.approx(direct, abs=1e-4)
        assert "".join(score.tokens) == text


def test_logprobs_without_context_leave_the_first_token_unscored(local):
    [score] = local.token_logprobs_sync(["Grass is green."])
    assert score.logprobs[0] is None and all(lp is not None and lp <= 0 for lp in score.logprobs[1:])


def test_top_k_agrees_with_token_logprobs(local):
    context = local.chat_prompt([{"role": "user", "content": "What colour is grass?"}])
    [score] = local.token_logprobs_sync(["Grass is green."], [context])
    [top] = local.top_k_logprobs_sync(["Grass is green."], 5, [context])
    assert top.ids.shape == (len(score.token_ids), 5) and top.valid.all()
    assert (torch.tensor(top.logprobs[:, :-1]) >= torch.tensor(top.logprobs[:, 1:])).all()  # sorted
    for t, token in enumerate(score.token_ids):
        assert top.logprobs[t, 0] >= score.logprobs[t] - 1e-5
        if token in top.ids[t]:
            k = list(top.ids[t]).index(token)
            assert top.logprobs[t, k] == pytest.approx(score.logprobs[t], abs=1e-4)


def test_hidden_states_match_the_model(local):
    [states] = local.hidden_states_sync(["Snow is white."])
    cfg = local.model.config
    ids = local.tokenizer("Snow is white.", add_special_tokens=False).input_ids
    assert states.shape == (cfg.num_hidden_layers + 1, len(ids), cfg.hidden_size)
    with torch.no_grad():
        direct = local.model(input_ids=torch.tensor([ids]), output_hidden_states=True).hidden_states
    assert torch.allclose(torch.tensor(states[-1]), direct[-1][0], atol=1e-5)
    [last_only] = local.hidden_states_sync(["Snow is white."], layers=[-1])
    assert last_only.shape == (1, len(ids), cfg.hidden_size)


def test_sampling_with_n_and_seed(local):
    config = GenerateConfig(temperature=1.5, max_tokens=12, n=4, seed=3)
    [first] = local.generate_batch([local.prepare("Hello!")[0]], config)
    [again] = local.generate_batch([local.prepare("Hello!")[0]], config)
    assert len(first.choices) == 4
    assert [c.text for c in first.choices] == [c.text for c in again.choices]
    assert len({c.text for c in first.choices}) > 1


def test_stop_strings_cut_the_reply(local):
    [plain] = local.generate_batch([local.prepare("What colour is grass?")[0]], GenerateConfig(temperature=0))
    assert " is " in plain.text
    stopped = local.generate_batch(
        [local.prepare("What colour is grass?")[0]], GenerateConfig(temperature=0, stop=[" is"])
    )[0]
    assert stopped.text == plain.text.split(" is")[0] and stopped.finish_reason == "stop"


def test_max_tokens_gives_length_finish(local):
    [out] = local.generate_batch([local.prepare("Hello!")[0]], GenerateConfig(temperature=0, max_tokens=2))
    assert out.finish_reason == "length" and out.usage.completion_tokens == 2


def test_folder_without_chat_template_falls_back_to_plain(toy_model_dir, tmp_path, caplog):
    bare = tmp_path / "bare"
    shutil.copytree(toy_model_dir, bare)
    (bare / "chat_template.jinja").unlink(missing_ok=True)
    tok_cfg = json.loads((bare / "tokenizer_config.json").read_text())
    tok_cfg.pop("chat_template", None)
    (bare / "tokenizer_config.json").write_text(json.dumps(tok_cfg))
    model = get_model(f"hf:{bare}")
    assert model.chat_template == PLAIN_CHAT_TEMPLATE
    assert model.chat_prompt([{"role": "user", "content": "Hi"}]) == "User: Hi\n\nAssistant:"
    assert "no chat template" in caplog.text


def test_identity_changes_when_weights_change(toy_model_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(toy_model_dir, copy)
    first = get_model(f"hf:{copy}").identity
    model = get_model(f"hf:{copy}")
    with torch.no_grad():
        next(model.model.parameters()).add_(0.01)
    model.model.save_pretrained(copy)
    assert get_model(f"hf:{copy}").identity["weights"] != first["weights"]


@pytest.mark.parametrize("trust", [False, True])
def test_remote_code_runs_only_when_asked(toy_model_dir, tmp_path, trust):
    folder = tmp_path / "remote"
    shutil.copytree(toy_model_dir, folder)
    marker = tmp_path / "remote-code-ran"
    (folder / "configuration_evil.py").write_text(
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('ran')\n"
        "from transformers import LlamaConfig\n"
        "class EvilConfig(LlamaConfig):\n    model_type = 'llama'\n"
    )
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoConfig": "configuration_evil.EvilConfig"}
    (folder / "config.json").write_text(json.dumps(config))
    with contextlib.suppress(Exception):  # refusing to load is fine; running the code is not
        get_model(ModelConfig(spec=f"hf:{folder}", trust_remote_code=trust))
    assert marker.exists() is trust
