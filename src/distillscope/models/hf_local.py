"""Local Hugging Face models in this process: batched chat generation and white-box scoring.

Concurrent `generate` calls are gathered into batches (left-padded, one `model.generate` per batch),
so a caller that fires 200 requests at once gets batch throughput without knowing about batches.
Only requests with identical sampling parameters share a batch. Compute runs in a worker thread,
one batch at a time, so the event loop stays free for the run store and the progress bar.

The cache identity of a local model is its folder plus a fingerprint of its weights, dtype and chat
template, so retraining a model in the same folder never returns a stale answer from the store.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from distillscope.models.base import ChatModel, ScoringModel, TopKLogprobs
from distillscope.models.config import ModelConfig
from distillscope.models.hf_loading import (
    LoadOptions,
    folder_fingerprint,
    load_causal_lm,
    load_tokenizer,
    local_model_folder,
    pick_device,
)
from distillscope.models.parsed_spec import ParsedSpec
from distillscope.models.types import (
    ChatOutput,
    Choice,
    GenerateConfig,
    Message,
    TokenLogprob,
    TokenScores,
    Usage,
    as_messages,
)

log = logging.getLogger(__name__)

# Used only when a model has no chat template of its own (base models): plain role-tagged turns.
PLAIN_CHAT_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] | capitalize }}: {{ message['content'] }}\n\n"
    "{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}"
)
DEFAULT_MAX_NEW_TOKENS = 256


class HFLocalModel(ChatModel, ScoringModel):
    def __init__(self, config: ModelConfig, parsed: ParsedSpec) -> None:
        super().__init__(config)
        self.source = parsed.model
        self.revision = parsed.revision or config.revision
        self.folder = local_model_folder(self.source)
        self.device = pick_device(config.device)
        self.tokenizer, self.model = self._load()
        self.chat_template = self._chat_template()
        self.eos_ids = self._eos_ids()
        self._adds_bos = self._tokenizer_adds_bos()
        self._identity = self._make_identity()
        self._compute_lock = threading.Lock()
        self._pending: list[tuple[list[Message], GenerateConfig, asyncio.Future[ChatOutput]]] = []
        self._worker: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------- loading
    def _load(self) -> tuple[Any, Any]:
        options = LoadOptions(
            revision=self.revision,
            trust_remote_code=self.config.trust_remote_code,
            dtype=self.config.dtype,
            device=self.config.device,
            attn_implementation=self.config.attn_implementation,
        )
        tokenizer = load_tokenizer(self.source, options)
        model = load_causal_lm(self.source, options)
        model.eval()
        tokenizer.padding_side = "left"
        return tokenizer, model

    def _chat_template(self) -> str:
        given = self.config.chat_template
        if given:
            path = Path(given).expanduser()
            return path.read_text(encoding="utf-8") if path.suffix in (".jinja", ".j2") else given
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.chat_template
        log.warning("%s has no chat template; using a plain 'Role: text' layout", self.source)
        return PLAIN_CHAT_TEMPLATE

    def _eos_ids(self) -> set[int]:
        ids: set[int] = set()
        for value in (self.model.generation_config.eos_token_id, self.tokenizer.eos_token_id):
            if isinstance(value, int):
                ids.add(value)
            elif value:
                ids.update(value)
        return ids

    def _tokenizer_adds_bos(self) -> bool:
        bos = self.tokenizer.bos_token_id
        if bos is None:
            return False
        ids = self.tokenizer("a", add_special_tokens=True).input_ids
        return bool(ids) and ids[0] == bos

    def _make_identity(self) -> dict[str, Any]:
        if self.folder is not None:
            source, weights = str(self.folder), folder_fingerprint(self.folder)
        else:
            source, weights = self.source, getattr(self.model.config, "_commit_hash", None) or self.revision
        template = hashlib.sha256(self.chat_template.encode()).hexdigest()[:12]
        return {
            "backend": "hf",
            "source": source,
            "weights": weights,
            "dtype": str(self.model.dtype).removeprefix("torch."),
            "chat_template": template,
        }

    @property
    def identity(self) -> dict[str, Any]:
        return self._identity

    def chat_prompt(self, messages: Sequence[Message | dict[str, Any]]) -> str:
        dumped = [m.model_dump() for m in as_messages(messages)]
        return self.tokenizer.apply_chat_template(
            dumped, chat_template=self.chat_template, tokenize=False, add_generation_prompt=True
        )

    async def aclose(self) -> None:
        if self._worker is not None:
            await self._worker

    # ------------------------------------------------------------- generation
    async def generate_prepared(
        self, messages: list[Message], config: GenerateConfig, sample_index: int = 0
    ) -> ChatOutput:
        future: asyncio.Future[ChatOutput] = asyncio.get_running_loop().create_future()
        self._pending.append((messages, config, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            await asyncio.sleep(0)  # let every request fired in the same tick join the queue
            head_config = self._pending[0][1]
            batch = [item for item in self._pending if item[1] == head_config][: self.config.batch_size]
            for item in batch:
                self._pending.remove(item)
            try:
                outputs = await asyncio.to_thread(self.generate_batch, [b[0] for b in batch], head_config)
            except Exception as exc:  # every caller in the batch gets the failure
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), output in zip(batch, outputs, strict=True):
                if not future.done():
                    future.set_result(output)

    def generate_batch(self, conversations: Sequence[Sequence[Message]], config: GenerateConfig) -> list[ChatOutput]:
        """Generate for several prepared conversations at once (synchronous)."""
        prompts = [self.chat_prompt(c) for c in conversations]
        encoded = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        encoded = encoded.to(self.device)
        kwargs = self._generation_kwargs(config)
        started = time.perf_counter()
        with self._compute_lock, torch.inference_mode():
            if config.seed is not None:
                torch.manual_seed(config.seed)
            result = self.model.generate(**encoded, **kwargs)
        latency = time.perf_counter() - started
        self.counters.requests += len(conversations)
        prompt_len = encoded["input_ids"].shape[1]
        new_tokens = result.sequences[:, prompt_len:].tolist()
        step_logprobs = self._step_logprobs(result) if config.logprobs else None
        outputs = []
        for i in range(len(conversations)):
            choices, generated = [], 0
            for j in range(i * config.n, (i + 1) * config.n):
                row_logprobs = None if step_logprobs is None else step_logprobs[j]
                choice, used = self._decode_choice(new_tokens[j], config, row_logprobs)
                choices.append(choice)
                generated += used
            usage = Usage(prompt_tokens=int(encoded["attention_mask"][i].sum()), completion_tokens=generated)
            outputs.append(ChatOutput(choices=choices, usage=usage, latency_s=latency, model=self.source))
        return outputs

    def _generation_kwargs(self, config: GenerateConfig) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "max_new_tokens": config.max_tokens or DEFAULT_MAX_NEW_TOKENS,
            "num_return_sequences": config.n,
            "pad_token_id": self.tokenizer.pad_token_id,
            "return_dict_in_generate": True,
            "output_logits": config.logprobs,
        }
        if config.temperature is not None:
            if config.temperature == 0:
                kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            else:
                kwargs.update(do_sample=True, temperature=config.temperature, top_k=None)
        if config.top_p is not None:
            kwargs["top_p"] = config.top_p
        if config.stop:
            kwargs.update(stop_strings=config.stop, tokenizer=self.tokenizer)
        return kwargs

    def _step_logprobs(self, result: Any) -> list[list[torch.Tensor]]:
        """Per returned sequence, the raw model's log-softmax at each generated step."""
        steps = [torch.log_softmax(step.float(), dim=-1).cpu() for step in result.logits]
        return [[step[row] for step in steps] for row in range(result.sequences.shape[0])]

    def _decode_choice(
        self, ids: list[int], config: GenerateConfig, step_logprobs: list[torch.Tensor] | None
    ) -> tuple[Choice, int]:
        end = next((k for k, tok in enumerate(ids) if tok in self.eos_ids), None)
        finish = "stop" if end is not None else "length"
        kept = ids if end is None else ids[:end]
        text = self.tokenizer.decode(kept, skip_special_tokens=True)
        if config.stop:
            cut = min((text.find(s) for s in config.stop if s in text), default=-1)
            if cut >= 0:
                text, finish = text[:cut], "stop"
        logprobs = None
        if step_logprobs is not None:
            logprobs = [self._token_logprob(tok, step_logprobs[k], config.top_logprobs) for k, tok in enumerate(kept)]
        used = len(kept) + (1 if end is not None else 0)
        return Choice(text=text, finish_reason=finish, logprobs=logprobs), used

    def _token_logprob(self, token_id: int, dist: torch.Tensor, top: int | None) -> TokenLogprob:
        top_items = None
        if top:
            values, indices = torch.topk(dist, top)
            top_items = [(self.tokenizer.decode([int(i)]), float(v)) for v, i in zip(values, indices, strict=True)]
        return TokenLogprob(token=self.tokenizer.decode([token_id]), logprob=float(dist[token_id]), top=top_items)

    # ---------------------------------------------------------------- scoring
    def _join(self, text: str, context: str) -> tuple[list[int], int]:
        """Token ids of context+text, and where the text starts. BOS is added as the tokenizer would."""
        prefix: list[int] = self.tokenizer(context, add_special_tokens=False).input_ids if context else []
        bos_text = self.tokenizer.bos_token or ""
        if self._adds_bos and not (bos_text and context.startswith(bos_text)):
            prefix = [self.tokenizer.bos_token_id, *prefix]
        ids = self.tokenizer(text, add_special_tokens=False).input_ids
        return prefix + ids, len(prefix)

    def _forward_log_softmax(
        self, texts: Sequence[str], contexts: Sequence[str] | None, batch_size: int
    ) -> list[tuple[list[int], int, torch.Tensor]]:
        """For each text: ids, text start, and log-softmax rows predicting tokens start..end (float32)."""
        contexts = contexts if contexts is not None else [""] * len(texts)
        if len(contexts) != len(texts):
            raise ValueError("texts and contexts differ in length")
        joined = [self._join(t, c) for t, c in zip(texts, contexts, strict=True)]
        results: list[tuple[list[int], int, torch.Tensor]] = []
        pad = self.tokenizer.pad_token_id
        for lo in range(0, len(joined), batch_size):
            chunk = joined[lo : lo + batch_size]
            width = max(1, *(len(ids) for ids, _ in chunk))
            input_ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, (ids, _) in enumerate(chunk):
                input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
                mask[row, : len(ids)] = 1
            with self._compute_lock, torch.inference_mode():
                logits = self.model(input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device)).logits
                for row, (ids, start) in enumerate(chunk):
                    first = max(start, 1)
                    rows = torch.log_softmax(logits[row, first - 1 : len(ids) - 1].float(), dim=-1).cpu()
                    results.append((ids, start, rows))
            self.counters.requests += len(chunk)
        return results

    def token_logprobs_sync(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> list[TokenScores]:
        out = []
        for ids, start, rows in self._forward_log_softmax(texts, contexts, self.config.batch_size):
            text_ids = ids[start:]
            offset = 1 if start == 0 else 0  # the very first token has nothing to be predicted from
            scores: list[float | None] = [None] * offset
            scores += [float(rows[k, text_ids[k + offset]]) for k in range(len(text_ids) - offset)]
            out.append(
                TokenScores(
                    token_ids=text_ids,
                    tokens=[self.tokenizer.decode([t]) for t in text_ids],
                    logprobs=scores,
                )
            )
        return out

    def top_k_logprobs_sync(
        self, texts: Sequence[str], k: int, contexts: Sequence[str] | None = None
    ) -> list[TopKLogprobs]:
        out = []
        for ids, start, rows in self._forward_log_softmax(texts, contexts, self.config.batch_size):
            length = len(ids) - start
            offset = 1 if start == 0 else 0
            top_ids = np.zeros((length, k), dtype=np.int64)
            top_lp = np.full((length, k), -np.inf, dtype=np.float32)
            valid = np.zeros(length, dtype=bool)
            if rows.shape[0]:
                values, indices = torch.topk(rows, min(k, rows.shape[-1]), dim=-1)
                top_ids[offset:, : indices.shape[1]] = indices.numpy()
                top_lp[offset:, : values.shape[1]] = values.numpy()
                valid[offset:] = True
            out.append(TopKLogprobs(ids=top_ids, logprobs=top_lp, valid=valid))
        return out

    def hidden_states_sync(self, texts: Sequence[str], layers: Sequence[int] | None = None) -> list[np.ndarray]:
        out = []
        for text in texts:
            ids, _ = self._join(text, "")
            with self._compute_lock, torch.inference_mode():
                result = self.model(input_ids=torch.tensor([ids], device=self.device), output_hidden_states=True)
            stacked = torch.stack(result.hidden_states)[:, 0].float().cpu().numpy()
            out.append(stacked if layers is None else stacked[list(layers)])
            self.counters.requests += 1
        return out

    async def token_logprobs(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> list[TokenScores]:
        return await asyncio.to_thread(self.token_logprobs_sync, texts, contexts)

    async def top_k_logprobs(
        self, texts: Sequence[str], k: int, contexts: Sequence[str] | None = None
    ) -> list[TopKLogprobs]:
        return await asyncio.to_thread(self.top_k_logprobs_sync, texts, k, contexts)

    async def hidden_states(self, texts: Sequence[str], layers: Sequence[int] | None = None) -> list[np.ndarray]:
        return await asyncio.to_thread(self.hidden_states_sync, texts, layers)
