"""The Trainer subclass that distils: the KD + CE loss, and on-policy batches.

It is the transformers `Trainer` with two methods replaced. `compute_loss` computes
w * T^2 * KD + (1 - w) * CE over the trained tokens, chunk by chunk from hidden states (chunked.py,
fused.py), against a live teacher, a top-k cache, or a teacher with another tokenizer on the
positions aligned with it (cross_tokenizer.py). `training_step` first lets the student complete a
seeded share of the batches itself (on_policy.py). Optimisers, schedules, accumulation, precision,
checkpoints and `accelerate launch` stay the ecosystem's.

Several processes train as one big batch would. The loss is a sum over trained tokens divided by
the step's token count over every micro-batch and every process (the Trainer's
`num_items_in_batch`, gathered across devices), times the number of processes that DDP's gradient
averaging divides by again: ranks with more tokens weigh more, as their tokens would in one batch.
The logged terms are totals over the processes divided by their tokens, for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
from transformers import Trainer

from distillscope.distill.common.dataset import IGNORE
from distillscope.distill.signal.chunked import TeacherSignal, distill_objective, output_head
from distillscope.distill.signal.loss_config import KDLoss
from distillscope.distill.training import on_policy

Mode = Literal["sft", "kd", "kd-offline"]
# What the log sums between two logging steps: the KD and CE sums over trained tokens, the tokens,
# the on-policy micro-batches and all micro-batches.
_TERMS = ("kd", "ce", "tokens", "on_policy", "micro")


@dataclass
class DistillSetup:
    mode: Mode
    loss: KDLoss
    vocab: int
    teacher: Any | None = None
    on_policy: float = 0.0
    seed: int = 0
    generation: dict[str, Any] | None = None  # the student's sampling settings, for on-policy batches
    pad_token_id: int = 0
    teacher_vocab: int | None = None  # set for a teacher with another tokenizer (cross-tokenizer KD)


class DistillTrainer(Trainer):
    """`Trainer` whose loss is the weighted KD + CE of this module; it logs each term by name.

    With `on_policy` > 0, a seeded share of the micro-batches is first completed by the student
    (on_policy.py); the teacher then scores those completions like any batch. On such a batch the
    cross-entropy term is left out (its targets would be the student's own samples) and the KD term
    keeps its weight. The batch keeps its share of the step: its loss is a mean over its new tokens,
    weighted by the tokens it had.
    """

    def __init__(self, *args: Any, setup: DistillSetup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup = setup
        # The Trainer counts a step's tokens only for models that take loss arguments; this loss is
        # ours and always divides by that count, so it is always wanted.
        self.model_accepts_loss_kwargs = True
        self._terms = dict.fromkeys(_TERMS, 0.0)
        self._micro = (-1, 0)  # (optimizer step, micro-batches seen in it)

    def _teacher_signal(self, inputs: dict[str, torch.Tensor], mask: torch.Tensor) -> TeacherSignal | None:
        if self.setup.mode == "kd-offline":
            return TeacherSignal(
                topk_ids=inputs["teacher_ids"],
                topk_logprobs=inputs["teacher_logprobs"],
                topk_tail=inputs.get("teacher_tail"),
                tail_ids=inputs.get("teacher_tail_ids"),
                tail_entropy=inputs.get("teacher_tail_entropy"),
            )
        if self.setup.mode != "kd":
            return None
        teacher = self.setup.teacher
        cross = self.setup.teacher_vocab is not None
        with torch.no_grad():
            out = teacher(
                input_ids=inputs["teacher_input_ids"] if cross else inputs["input_ids"],
                attention_mask=inputs["teacher_attention_mask"] if cross else inputs["attention_mask"],
                output_hidden_states=True,
                logits_to_keep=1,
                use_cache=False,
            )
        last = out.hidden_states[-1]
        if cross:
            hidden = last.reshape(-1, last.shape[-1])[inputs["align_teacher"]]
            return TeacherSignal(hidden=hidden, head=output_head(teacher, self.setup.teacher_vocab))
        return TeacherSignal(hidden=last[:, :-1][mask], head=output_head(teacher, self.setup.vocab))

    def training_step(
        self, model: torch.nn.Module, inputs: dict[str, torch.Tensor], num_items_in_batch: Any = None
    ) -> torch.Tensor:
        step = int(self.state.global_step)
        micro = self._micro[1] + 1 if self._micro[0] == step else 0
        self._micro = (step, micro)
        chosen = on_policy.is_on_policy(self.setup.on_policy, self.setup.seed, step, micro)
        if chosen:
            before = on_policy.trained_tokens(inputs["labels"])
            rank = self.args.process_index  # each process samples its own rows with its own stream
            with on_policy.seeded_sampling(self.setup.seed, step, micro, inputs["input_ids"].device, rank):
                sampled = on_policy.student_completions(
                    model, self.accelerator, inputs, self.setup.generation or {}, self.setup.pad_token_id
                )
            inputs = {**sampled, "on_policy": torch.ones(())}
            if num_items_in_batch is not None:
                num_items_in_batch = num_items_in_batch * on_policy.trained_tokens(inputs["labels"]) / max(1, before)
        self._terms["on_policy"] += float(chosen)
        return super().training_step(model, inputs, num_items_in_batch)

    def compute_loss(
        self,
        model: torch.nn.Module,
        inputs: dict[str, torch.Tensor],
        return_outputs: bool = False,
        num_items_in_batch: torch.Tensor | int | None = None,
    ) -> torch.Tensor | tuple[torch.Tensor, Any]:
        mask = inputs["labels"][:, 1:] != IGNORE
        targets = inputs["labels"][:, 1:][mask]
        out = model(
            input_ids=inputs["input_ids"],
            attention_mask=inputs["attention_mask"],
            output_hidden_states=True,
            logits_to_keep=1,
            use_cache=False,
        )
        hidden = out.hidden_states[-1][:, :-1][mask]
        student_head = output_head(self.accelerator.unwrap_model(model), self.setup.vocab)
        teacher = self._teacher_signal(inputs, mask)
        loss_cfg = self.setup.loss
        weight = loss_cfg.kd_weight if teacher is not None else 0.0
        kd_coef = weight * loss_cfg.kd_scale
        ce_coef = 0.0 if "on_policy" in inputs else 1 - weight
        if self.setup.teacher_vocab is not None and teacher is not None:
            objective, kd_sum, ce_sum = self._cross_tokenizer_objective(
                hidden, student_head, targets, teacher, inputs["align_student"], kd_coef, ce_coef
            )
        else:
            objective, kd_sum, ce_sum = distill_objective(
                hidden, student_head, targets, loss_cfg, teacher, self.setup.vocab, kd_coef, ce_coef
            )
        denominator = num_items_in_batch if num_items_in_batch is not None else max(1, targets.numel())
        if isinstance(denominator, torch.Tensor):
            denominator = denominator.to(objective.device)
        loss = objective / denominator
        self.loss_is_scaled_for_ga = num_items_in_batch is not None
        if num_items_in_batch is not None and self.args.average_tokens_across_devices:
            loss = loss * self.accelerator.num_processes
        self._remember(kd_sum, ce_sum, targets.numel(), teacher is not None)
        return (loss, out) if return_outputs else loss

    def _cross_tokenizer_objective(
        self,
        hidden: torch.Tensor,
        student_head: Any,
        targets: torch.Tensor,
        teacher: TeacherSignal,
        aligned: torch.Tensor,
        kd_coef: float,
        ce_coef: float,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Cross-entropy on every trained position; the vocabulary-free KD term on the aligned ones."""
        loss_cfg, vocab = self.setup.loss, self.setup.vocab
        widest = max(vocab, self.setup.teacher_vocab or 0)
        ce_part, _, ce_sum = distill_objective(hidden, student_head, targets, loss_cfg, None, vocab, 0.0, ce_coef)
        kd_part, kd_sum, _ = distill_objective(
            hidden[aligned], student_head, targets[aligned], loss_cfg, teacher, widest, kd_coef, 0.0
        )
        return ce_part + kd_part, kd_sum, ce_sum

    def _remember(self, kd_sum: torch.Tensor, ce_sum: torch.Tensor, tokens: int, has_teacher: bool) -> None:
        self._terms["kd"] += float(kd_sum.detach()) if has_teacher else 0.0
        self._terms["ce"] += float(ce_sum.detach())
        self._terms["tokens"] += tokens
        self._terms["micro"] += 1

    def log(self, logs: dict[str, float], *args: Any, **kwargs: Any) -> None:
        # Every process logs at the same steps (the Trainer gathers its loss there too), so the
        # totals are summed over processes here.
        if self._terms["micro"]:
            totals = self._across_processes(self._terms)
            tokens = max(1.0, totals["tokens"])
            logs["loss_ce"] = round(totals["ce"] / tokens, 5)
            if self.setup.mode != "sft":
                logs["loss_kd"] = round(totals["kd"] / tokens, 5)
            if self.setup.on_policy > 0:
                logs["on_policy_share"] = round(totals["on_policy"] / totals["micro"], 5)
            self._terms = dict.fromkeys(_TERMS, 0.0)
        super().log(logs, *args, **kwargs)

    def _across_processes(self, terms: dict[str, float]) -> dict[str, float]:
        if self.accelerator.num_processes == 1:
            return dict(terms)
        values = torch.tensor(list(terms.values()), dtype=torch.float64, device=self.args.device)
        return dict(zip(terms, self.accelerator.reduce(values, reduction="sum").tolist(), strict=True))
