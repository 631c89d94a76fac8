"""`distillscope calibrate`: learn the share calibration from audits of models of known making."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from distillscope.audit.tables import Cell, Table, num
from distillscope.cli.console import console, render_table, shown
from distillscope.fileio.paths import check_output_file


def calibrate_command(
    audits: Annotated[
        list[Path], typer.Argument(help="Audit folders (or results.json files) whose targets carry ground truth.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where the calibration (JSON) goes.")] = Path(
        "calibration.json"
    ),
) -> None:
    """Learn how the normalised score z maps to a share of the reference's text, from models of known share.

    The curve is monotone (isotonic); its error is measured on models left out of the fit (a zoo replicate at a
    time, else one model at a time). Pass the file to `audit --calibration`: shares then carry that error, and a
    verdict may say "not distinguishable"."""
    from distillscope.audit.calibrate import calibrate, write_calibration

    check_output_file(output, inputs=audits)
    fit = calibrate(audits)
    write_calibration(fit, output)
    rows = [
        [Cell(p.label, p.group), Cell(num(p.share)), Cell(num(p.z)), Cell(num(p.held_out)), Cell(_error(p))]
        for p in sorted(fit.points, key=lambda p: (p.share, p.z))
    ]
    console.print(
        render_table(
            Table(
                "Models of known share: the curve's estimate when their group was left out",
                ["model", "true share", "z", "held-out estimate", "error"],
                rows,
            )
        )
    )
    curve = fit.calibration
    console.print(f"{shown(curve.describe())}")
    console.print(f"calibration → {shown(str(output))}")


def _error(point: object) -> str:
    held, share = getattr(point, "held_out", None), getattr(point, "share", 0.0)
    return "n/a" if held is None else f"{held - share:+.3f}"
