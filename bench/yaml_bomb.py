"""A YAML alias bomb against the bounded loader, beside the unbounded loader it replaced.

The bomb is a few hundred bytes: nine anchors, each a list of nine aliases to the one before, so it
stands for 9**LEVELS strings. The bounded loader (`fileio/yamlio.py: parse_yaml`) counts what the
document would expand to on the composed graph and refuses it; expected: refused in under 1 s with
under 100 MB of peak memory (the whole process: interpreter, yaml and pydantic included). The
loader it replaced parsed the text twice and indexed the line of every node by following each
alias again at every use; it is run here on smaller bombs (each level multiplies its work by
nine), in child processes with a time limit, so the growth shows without exhausting the machine.

    .venv/bin/python bench/yaml_bomb.py [--levels 9] [--old-levels 4,5,6] [--old-timeout 60]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

import yaml


def bomb(levels: int) -> str:
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [{', '.join(['lol'] * 9)}]"]
    lines += [f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]" for prev, name in itertools.pairwise(names)]
    return "\n".join(lines) + "\n"


def old_loader(text: str) -> int:
    """The loader as it was: two parses, then a line index that follows every alias again."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    yaml.safe_load(text)
    lines: dict[tuple[Any, ...], int] = {}

    def index(node: yaml.Node, prefix: tuple[Any, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                loc = (*prefix, key_node.value)
                lines[loc] = key_node.start_mark.line + 1
                index(value_node, loc)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                loc = (*prefix, i)
                lines[loc] = item.start_mark.line + 1
                index(item, loc)

    index(node, ())
    return len(lines)


def child(which: str, levels: int) -> None:
    """Runs in a child process: load the bomb once, print seconds and outcome as JSON."""
    from distillscope.errors import InputError  # imported before the clock starts, in both children
    from distillscope.fileio.yamlio import parse_yaml

    text = bomb(levels)
    started = time.perf_counter()
    if which == "bounded":
        try:
            parse_yaml(text, "bomb.yaml")
            outcome = "loaded"
        except InputError as exc:
            outcome = f"refused: {exc}"
    else:
        outcome = f"indexed {old_loader(text):,} locations"
    print(json.dumps({"seconds": time.perf_counter() - started, "outcome": outcome}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, default=9)
    parser.add_argument("--old-levels", default="4,5,6")
    parser.add_argument("--old-timeout", type=float, default=60)
    parser.add_argument("--child", choices=("bounded", "old"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.levels)
        return

    bounded = measure("bounded", args.levels, 60)
    print(f"bomb of {bounded['bytes']} bytes standing for 9**{args.levels} = {9**args.levels:,} strings")
    print(f"  bounded loader: {bounded['outcome'][:110]}")
    print(f"    {bounded['seconds']:.3f} s to refuse; peak memory of the whole process {bounded['peak_mb']} MB")
    print("    (expected: under 1 s and under 100 MB)")
    old = [measure("old", int(n), args.old_timeout) for n in args.old_levels.split(",")]
    print("  the loader it replaced, on smaller bombs:")
    for row in old:
        seconds = "-" if row["seconds"] is None else f"{row['seconds']:.2f} s"
        print(f"    9**{row['levels']}: {seconds}, peak {row['peak_mb']} MB: {row['outcome']}")
    figures = {
        "levels": args.levels,
        "bytes": bounded["bytes"],
        "bounded_seconds": bounded["seconds"],
        "bounded_peak_mb": bounded["peak_mb"],
        "bounded_refused": bounded["outcome"].startswith("refused"),
        "meets_goal": bounded["outcome"].startswith("refused")
        and bounded["seconds"] < 1
        and (bounded["peak_mb"] or 0) < 100,
        "old": [{k: row[k] for k in ("levels", "seconds", "peak_mb")} for row in old],
    }
    print(json.dumps(figures, sort_keys=True))


def measure(which: str, levels: int, timeout: float) -> dict[str, Any]:
    """One child process: its time to load, its outcome, and its peak memory (from wait4, so each
    child is measured alone); a child past `timeout` is killed and reported as such."""
    command = [sys.executable, __file__, "--child", which, "--levels", str(levels)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    result: dict[str, Any] = {"seconds": None, "outcome": f"still running after {timeout:.0f} s: killed"}
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            out = process.stdout.read()
            if os.waitstatus_to_exitcode(status) == 0 and out.strip():
                result = json.loads(out.strip().splitlines()[-1])
            elif result["seconds"] is None and not os.WIFSIGNALED(status):
                result["outcome"] = f"failed with exit code {os.waitstatus_to_exitcode(status)}"
            break
        if time.monotonic() > deadline:
            process.kill()
            deadline = float("inf")
        time.sleep(0.02)
    process.returncode = 0  # reaped above
    return {"levels": levels, "bytes": len(bomb(levels)), **result, "peak_mb": round(usage.ru_maxrss / 1024, 1)}


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
