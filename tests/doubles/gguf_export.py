"""Writing a small Llama folder as a GGUF file, so tests exercise GGUF loading without a download.

The layout follows llama.cpp's conventions as transformers reads them back: tensors under
llama.cpp's names, query and key rows interleaved the way llama.cpp's converter orders rotary
halves (transformers undoes it on load), the config as `llama.*` metadata, and the byte-level BPE
tokenizer as `tokenizer.ggml.*` (vocabulary, merges, special ids, chat template). Tensors are
written as float32, so a model read back must give the same logits as the folder it came from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

_CONTROL_TOKEN, _NORMAL_TOKEN = 3, 1
_LAYER_TENSORS = {
    "input_layernorm": "attn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}


def interleave_rotary_rows(weight: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp stores each head's rotary halves interleaved; transformers keeps them split."""
    rows = weight.shape[0]
    return weight.reshape(heads, 2, rows // heads // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def _tensors(model: Any) -> dict[str, np.ndarray]:
    config = model.config
    state = {name: tensor.detach().float().cpu().numpy() for name, tensor in model.state_dict().items()}
    out = {"token_embd.weight": state["model.embed_tokens.weight"], "output_norm.weight": state["model.norm.weight"]}
    if not config.tie_word_embeddings:
        out["output.weight"] = state["lm_head.weight"]
    for layer in range(config.num_hidden_layers):
        for hf_name, gguf_name in _LAYER_TENSORS.items():
            weight = state[f"model.layers.{layer}.{hf_name}.weight"]
            if gguf_name == "attn_q":
                weight = interleave_rotary_rows(weight, config.num_attention_heads)
            elif gguf_name == "attn_k":
                weight = interleave_rotary_rows(weight, config.num_key_value_heads)
            out[f"blk.{layer}.{gguf_name}.weight"] = weight
    return out


def _add_tokenizer(writer: Any, tokenizer: Any) -> None:
    backend = json.loads(tokenizer.backend_tokenizer.to_str())
    vocab: dict[str, int] = backend["model"]["vocab"]
    added = {token["content"]: token["id"] for token in backend["added_tokens"]}
    by_id = {index: token for token, index in {**vocab, **added}.items()}
    tokens = [by_id[index] for index in range(len(by_id))]
    merges = [m if isinstance(m, str) else " ".join(m) for m in backend["model"]["merges"]]
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list(tokens)
    writer.add_token_types([_CONTROL_TOKEN if token in added else _NORMAL_TOKEN for token in tokens])
    writer.add_token_merges(merges)
    writer.add_bos_token_id(tokenizer.bos_token_id)
    writer.add_eos_token_id(tokenizer.eos_token_id)
    writer.add_pad_token_id(tokenizer.pad_token_id)
    writer.add_add_bos_token(False)
    if tokenizer.chat_template:
        writer.add_chat_template(tokenizer.chat_template)


def write_llama_gguf(model_dir: Path, output: Path) -> Path:
    """The Llama model in `model_dir` (weights and tokenizer) as one float32 GGUF file at `output`."""
    import gguf
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    config = model.config
    writer = gguf.GGUFWriter(str(output), "llama")
    writer.add_name(Path(model_dir).name)
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_rope_freq_base(float(config.rope_parameters["rope_theta"]))
    writer.add_vocab_size(config.vocab_size)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    _add_tokenizer(writer, tokenizer)
    for name, tensor in _tensors(model).items():
        writer.add_tensor(name, np.ascontiguousarray(tensor, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return output
