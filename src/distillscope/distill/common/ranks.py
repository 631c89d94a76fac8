"""Several processes, one job: what each rank of `accelerate launch` (or torchrun) may do.

Under a launcher every process runs the whole command, so anything that writes a shared file (the
output folder, the job record, the checkpoint marker, a teacher cache) is done by one process, the
writer, while the others wait at a barrier and then read what it wrote. Every rank trains, so
every rank reads; only the first one reports, so a run prints one progress bar and one table.

The launcher says how many processes there are through the environment (torchrun's WORLD_SIZE
and RANK, or MPI's), and this module reads only that, so the CLI can decide to stay quiet
without importing torch. The process group itself is accelerate's, set up by `TrainingArguments`
(training) or by `process_state` (the teacher cache).

One trap is closed here. transformers and accelerate form a group of CPU processes (gloo) only
when told to use the CPU; on a machine without an accelerator, a multi-process launch that does
not say so would otherwise give N independent runs, each training alone on all the data and all
writing the same folder. So several processes and no accelerator mean the CPU.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_WORLD_SIZE = ("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
_RANK = ("RANK", "PMI_RANK", "OMPI_COMM_WORLD_RANK", "MV2_COMM_WORLD_RANK")


def _first_int(names: tuple[str, ...], default: int) -> int:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value.isdigit():
            return int(value)
    return default


def launched_processes() -> int:
    """How many processes the launcher started for this job (1 without a launcher)."""
    return _first_int(_WORLD_SIZE, 1)


def process_rank() -> int:
    return _first_int(_RANK, 0)


def is_main_process() -> bool:
    """Whether this process is the one that reports (and writes): rank 0, or the only process."""
    return process_rank() == 0


def lone_cpu_launch() -> bool:
    """Whether `accelerate launch --cpu --num_processes N` (N > 1) started this process alone.

    Without MPI, accelerate's `--cpu` launcher starts one process, whatever N says; it only sets the
    address the others would have used. Seen from here: that address, the CPU flag, and no world."""
    cpu = os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes")
    return cpu and "MASTER_ADDR" in os.environ and not any(name in os.environ for name in _WORLD_SIZE)


def _has_accelerator() -> bool:
    import torch

    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None and hasattr(accelerator, "is_available"):
        return bool(accelerator.is_available())
    return torch.cuda.is_available()


def use_cpu(device: str) -> bool:
    """Whether training runs on the CPU: asked for, or several processes and no accelerator to spread over."""
    if device == "cpu":
        return True
    return launched_processes() > 1 and not _has_accelerator()


def process_state(device: str = "auto") -> Any:
    """accelerate's view of this process (rank, device, barriers), forming the group under a launcher."""
    from accelerate import PartialState

    return PartialState(cpu=use_cpu(device))


@contextmanager
def main_first(state: Any) -> Iterator[None]:
    """The main process runs the block first; the others run it once the main one has left it, even
    by an error (so they fail on what it left, rather than wait for it until the group's timeout)."""
    if not state.is_main_process:
        state.wait_for_everyone()
    try:
        yield
    finally:
        if state.is_main_process:
            state.wait_for_everyone()
