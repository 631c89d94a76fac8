"""How long the CLI takes to answer when it has nothing to compute, beside a bare interpreter.

A user meets the CLI's start-up cost on every `--help` and every mistyped flag. Each case runs as a
fresh process (`python -m distillscope ...` on this checkout's sources), five times, and the median
is kept; `python -c pass` is timed in the same run, so the figure that matters is the difference.
Goal: each command at most 0.6 s above `python_s` on a quiet machine (`ruff`, `uv` and `git` answer
at once; `inspect` and `litgpt` start in well under a second).

    .venv/bin/python bench/cli_startup.py [--repeats 5] [--sources DIR]

`--sources` times another checkout's `src/` (an older commit's, say) in the same way.

The last line is one JSON object: help_s, audit_help_s, bad_flag_s, python_s (medians, seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SOURCES = Path(__file__).resolve().parents[1] / "src"
CASES = {
    "help_s": (["-m", "distillscope", "--help"], 0),
    "audit_help_s": (["-m", "distillscope", "audit", "--help"], 0),
    "bad_flag_s": (["-m", "distillscope", "audit", "--no-such-flag"], 2),
    "python_s": (["-c", "pass"], 0),
}


def timed(args: list[str], expected_code: int, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != expected_code:
        raise SystemExit(f"{' '.join(args)}: exit {done.returncode}, expected {expected_code}\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sources", type=Path, default=SOURCES, help="The src/ folder to time (default: this one).")
    options = parser.parse_args()
    sources = str(options.sources.resolve())
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [sources, os.environ.get("PYTHONPATH")])))
    env["COLUMNS"] = "120"
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(options.repeats):  # interleaved, so a burst of load on the machine hits every case alike
        for name, (args, code) in CASES.items():
            samples[name].append(timed(args, code, env))
    figures = {name: round(statistics.median(values), 3) for name, values in samples.items()}
    print(f"sources: {sources}")
    print(f"{'case':<14} {'median s':>9} {'above python s':>15}  (n={options.repeats} fresh processes each)")
    for name, value in figures.items():
        print(f"{name:<14} {value:>9.3f} {value - figures['python_s']:>15.3f}")
    worst = max(value - figures["python_s"] for name, value in figures.items() if name != "python_s")
    print(f"worst above python: {worst:.3f} s (goal ≤ 0.6 s on a quiet machine)")
    print(json.dumps({**figures, "repeats": options.repeats, "worst_above_python_s": round(worst, 3)}))


if __name__ == "__main__":
    main()
