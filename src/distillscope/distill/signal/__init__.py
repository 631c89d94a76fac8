"""The teacher's signal and what the student is scored by against it: the KD objective's wing.

A KD loss is a divergence between the teacher's and the student's next-token distributions at the
trained positions, chosen by name from a registry (`LOSSES`, free of torch so the CLI lists it
without loading one). The teacher's side comes live (its final hidden states, projected a chunk
of positions at a time so the vocabulary-sized tensors never all exist at once), from the top-k
teacher cache on disk, or aligned across two tokenizers. The same chunked projection measures the
student's agreement with its teacher at evaluation and during pruning.

This wing imports only `common` (examples, loading, processes); `training` and `pruning` import it.
Names are imported on first use (`distillscope.lazy`), so asking for `LOSSES` loads no torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from distillscope.lazy import lazy_exports

if TYPE_CHECKING:
    from distillscope.distill.signal.chunked import (
        AgreementSums,
        TeacherSignal,
        agreement_sums,
        distill_loss_sums,
        distill_objective,
        output_head,
    )
    from distillscope.distill.signal.cross_tokenizer import CROSS_TOKENIZER_LOSSES, build_aligned_examples
    from distillscope.distill.signal.loss_config import LOSSES, DivergenceRef, KDLoss
    from distillscope.distill.signal.losses import forward_kl
    from distillscope.distill.signal.teacher_cache import (
        TeacherCache,
        TeacherCacheJob,
        build_teacher_cache,
        run_teacher_cache,
    )

__getattr__ = lazy_exports(
    __name__,
    {
        "chunked": (
            "AgreementSums",
            "TeacherSignal",
            "agreement_sums",
            "distill_loss_sums",
            "distill_objective",
            "output_head",
        ),
        "cross_tokenizer": ("CROSS_TOKENIZER_LOSSES", "build_aligned_examples"),
        "loss_config": ("LOSSES", "DivergenceRef", "KDLoss"),
        "losses": ("forward_kl",),
        "teacher_cache": ("TeacherCache", "TeacherCacheJob", "build_teacher_cache", "run_teacher_cache"),
    },
)

__all__ = [
    "CROSS_TOKENIZER_LOSSES",
    "LOSSES",
    "AgreementSums",
    "DivergenceRef",
    "KDLoss",
    "TeacherCache",
    "TeacherCacheJob",
    "TeacherSignal",
    "agreement_sums",
    "build_aligned_examples",
    "build_teacher_cache",
    "distill_loss_sums",
    "distill_objective",
    "forward_kl",
    "output_head",
    "run_teacher_cache",
]
