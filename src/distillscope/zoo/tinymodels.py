"""Tiny language models made from scratch in seconds: the tests, the demo and the zoo are built on them.

There is no hub here, so nothing is downloaded: a byte-level BPE tokenizer is trained on the given
texts, a Llama or Qwen2 architecture is instantiated from a small config, and `fit_causal_lm`
trains it with the transformers Trainer. The output is an ordinary Hugging Face folder with the
tokenizer and a ChatML chat template, so every backend and every command treats it as a real model.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

PAD, BOS, EOS, IM_START, IM_END = "<|pad|>", "<|bos|>", "<|endoftext|>", "<|im_start|>", "<|im_end|>"
SPECIAL_TOKENS = [PAD, BOS, EOS, IM_START, IM_END]

# ChatML, with generation markers so the assistant's tokens can be masked for SFT.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\n' }}{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{{ '\n' }}"
    "{% else %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

Arch = Literal["llama", "qwen2"]


@dataclass(frozen=True)
class TinySize:
    hidden: int = 64
    layers: int = 2
    heads: int = 4
    kv_heads: int = 2
    intermediate: int = 128
    max_positions: int = 512


SIZES: dict[str, TinySize] = {
    "nano": TinySize(),
    "micro": TinySize(hidden=96, layers=3, heads=4, kv_heads=2, intermediate=256),
    "small": TinySize(hidden=192, layers=4, heads=6, kv_heads=2, intermediate=512, max_positions=1024),
}


def train_bpe_tokenizer(texts: Iterable[str], vocab_size: int = 1024, chat_template: str = CHATML_TEMPLATE) -> Any:
    """A byte-level BPE tokenizer (so any text round-trips) with ChatML specials; trained in about a second."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(texts, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token=BOS, eos_token=IM_END, pad_token=PAD, model_max_length=4096
    )
    tokenizer.chat_template = chat_template
    return tokenizer


def tiny_config(tokenizer: Any, arch: Arch = "llama", size: TinySize | str = "nano") -> Any:
    from transformers import LlamaConfig, Qwen2Config

    dims = SIZES[size] if isinstance(size, str) else size
    common = {
        "vocab_size": len(tokenizer),
        "hidden_size": dims.hidden,
        "intermediate_size": dims.intermediate,
        "num_hidden_layers": dims.layers,
        "num_attention_heads": dims.heads,
        "num_key_value_heads": dims.kv_heads,
        "max_position_embeddings": dims.max_positions,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
        "tie_word_embeddings": True,
    }
    return LlamaConfig(**common) if arch == "llama" else Qwen2Config(**common)


def make_tiny_model(tokenizer: Any, arch: Arch = "llama", size: TinySize | str = "nano", seed: int = 0) -> Any:
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(tiny_config(tokenizer, arch, size))
    generation = model.generation_config
    generation.eos_token_id = tokenizer.eos_token_id
    generation.pad_token_id = tokenizer.pad_token_id
    generation.bos_token_id = tokenizer.bos_token_id
    # Like a released chat model: sampling by default (temperature 1, no top-k cut), so servers that only
    # set a request's temperature really sample; temperature 0 still means greedy everywhere.
    generation.do_sample, generation.temperature, generation.top_k, generation.top_p = True, 1.0, 0, 1.0
    return model


def save_model(model: Any, tokenizer: Any, folder: Path | str) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def chat_texts(tokenizer: Any, conversations: Sequence[Sequence[dict[str, str]]]) -> list[str]:
    """Conversations rendered through the chat template, as training text."""
    return [tokenizer.apply_chat_template(list(c), tokenize=False) for c in conversations]


def pack(tokenizer: Any, texts: Sequence[str], block: int) -> list[list[int]]:
    """Whole texts (each ended by EOS) packed greedily into blocks of `block` tokens, padded at the end.

    A text is never split across blocks unless it is longer than a block: a chat model must see
    each answer together with its question, or it learns answers that ignore the prompt.
    """
    end = tokenizer.convert_tokens_to_ids(EOS) if EOS in tokenizer.get_vocab() else tokenizer.eos_token_id
    pad = tokenizer.pad_token_id
    blocks: list[list[int]] = []
    current: list[int] = []
    for ids in tokenizer(list(texts), add_special_tokens=False).input_ids:
        pieces = [[*ids, end][i : i + block] for i in range(0, len(ids) + 1, block)]
        for piece in pieces:
            if len(current) + len(piece) > block:
                blocks.append(current + [pad] * (block - len(current)))
                current = []
            current.extend(piece)
    if current:
        blocks.append(current + [pad] * (block - len(current)))
    return blocks


def fit_causal_lm(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    steps: int = 200,
    batch_size: int = 16,
    block: int = 128,
    learning_rate: float = 3e-3,
    seed: int = 0,
) -> dict[str, float]:
    """Plain next-token training with the transformers Trainer; returns its final metrics."""
    from datasets import Dataset
    from transformers import DataCollatorForLanguageModeling, PrinterCallback, Trainer, TrainingArguments

    blocks = pack(tokenizer, texts, block)
    dataset = Dataset.from_dict({"input_ids": blocks})
    with tempfile.TemporaryDirectory(prefix="distillscope-fit-") as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            max_steps=steps,
            per_device_train_batch_size=batch_size,
            learning_rate=learning_rate,
            lr_scheduler_type="cosine",
            warmup_steps=max(1, steps // 20),
            weight_decay=0.0,
            logging_strategy="no",
            save_strategy="no",
            report_to=[],
            bf16=False,
            fp16=False,
            seed=seed,
            data_seed=seed,
            disable_tqdm=True,
            dataloader_num_workers=0,
            dataloader_pin_memory=False,
        )
        collator = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm=False)
        trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=collator)
        trainer.remove_callback(PrinterCallback)
        result = trainer.train()
    model.eval()
    return dict(result.metrics)
