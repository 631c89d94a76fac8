"""`python -m distillscope ...` under `accelerate launch` on CPU processes, for the tests and the bench.

Two traps decide the command line. accelerate's `--cpu` launcher starts one process, whatever
`--num_processes` says, unless MPI is there to start the rest; its `--multi_gpu` launcher is
torchrun, which starts them all, and with no GPU visible each one trains on the CPU over gloo
(distill/common/ranks.py). And the processes must not take their thread count from the machine each, or
two of them fight over the same cores: each gets its share.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


def launch_command(processes: int, command: Sequence[str]) -> list[str]:
    """argv for `accelerate launch` of `python -m distillscope <command>` in `processes` processes."""
    launcher = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(processes)]
    if processes == 1:
        launcher += ["--cpu"]
    else:
        launcher += ["--multi_gpu", "--main_process_port", "0"]  # port 0: a free one, so runs side by side work
    launcher += ["--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    return [*launcher, "-m", "distillscope", *command]


def launch_environment(processes: int, threads: int | None = None) -> dict[str, str]:
    """This interpreter's imports (so a source tree shadows an installed copy), no GPU, and a share of the cores."""
    share = threads or max(1, (os.cpu_count() or 1) // processes)
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "HF_HUB_OFFLINE": "1",
        "CUDA_VISIBLE_DEVICES": "",
        "OMP_NUM_THREADS": str(share),
        "TOKENIZERS_PARALLELISM": "false",
        "TRANSFORMERS_VERBOSITY": "error",
    }


@dataclass
class LaunchedRun:
    """What a launched `distillscope train` left: its console, wall time and logged losses."""

    stdout: str
    stderr: str
    wall_s: float
    record: dict  # distillscope-train.json, written by the first process

    @property
    def log(self) -> list[dict]:
        """The Trainer's log history: one entry per logging step, then the final metrics."""
        return self.record["log"]

    def losses(self, key: str = "loss") -> dict[int, float]:
        return {int(entry["step"]): float(entry[key]) for entry in self.log if key in entry}


def launch(
    processes: int, command: Sequence[str], threads: int | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        launch_command(processes, command),
        capture_output=True,
        text=True,
        env=launch_environment(processes, threads),
        timeout=timeout,
    )
    if result.returncode != 0:
        what = f"`distillscope {command[0]}` on {processes} processes"
        raise RuntimeError(f"{what} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return result


def launch_train(
    processes: int, command: Sequence[str], output: Path, threads: int | None = None, timeout: float = 600
) -> LaunchedRun:
    started = time.perf_counter()
    result = launch(processes, ["train", *command, "-o", str(output)], threads, timeout)
    wall = time.perf_counter() - started
    record = json.loads((output / "distillscope-train.json").read_text())
    return LaunchedRun(result.stdout, result.stderr, wall, record)
