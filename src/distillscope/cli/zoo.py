"""`distillscope zoo build|show`: the ground-truth zoo, built or taken from its cache."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from distillscope.cli.common import load_job
from distillscope.cli.console import console, err_console, shown

zoo_app = typer.Typer(
    help="The ground-truth zoo: tiny teachers and students distilled by known amounts.", no_args_is_help=True
)


@zoo_app.command("build")
def zoo_build(
    size: Annotated[str | None, typer.Option(help="micro (tests, ~1 min) or small (demo, a few minutes).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="zoo.yaml: preset, overrides, personas.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for the world and every model.")] = None,
    replicates: Annotated[
        int | None, typer.Option(help="Students per recipe, each its own data draw and seed (a validation zoo).")
    ] = None,
    root: Annotated[Path | None, typer.Option(help="Cache folder for zoos (default .distillscope/zoo).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if the cache has this zoo.")] = False,
) -> None:
    """Build the zoo (or reuse the cached one) and print its models, checks and samples."""
    from distillscope.zoo.build import build_zoo
    from distillscope.zoo.config import ZooConfig

    job = load_job(config, ZooConfig, {"size": size, "seed": seed, "replicates": replicates})
    started = time.perf_counter()

    def stage(name: str) -> None:
        err_console.print(f"[dim]{time.perf_counter() - started:6.1f} s[/] [bold cyan]›[/] {name}")

    manifest = build_zoo(job, root, force=force, on_stage=stage)
    show_manifest(manifest, cached=time.perf_counter() - started < 2)


@zoo_app.command("show")
def zoo_show(folder: Annotated[Path, typer.Argument(help="A zoo folder (holding manifest.json).")]) -> None:
    """Print a built zoo's models, ground truth, checks and samples."""
    from distillscope.zoo.manifest import load_manifest

    show_manifest(load_manifest(folder), cached=True)


def show_manifest(manifest: object, cached: bool) -> None:
    from distillscope.zoo.manifest import ZooManifest

    assert isinstance(manifest, ZooManifest)
    origin = "from the cache" if cached else f"built in {manifest.build_seconds:.1f} s"
    console.print(f"[bold]zoo {manifest.size}[/] at {manifest.folder} ({origin})")
    models = Table(title="Models and their ground truth", title_justify="left")
    for column in ("model", "role", "teacher", "fraction written", "method", "scrubbed", "examples"):
        models.add_column(column)
    for m in manifest.models:
        fraction = "-" if m.fraction is None else f"{m.fraction:.2f} (asked {m.nominal_fraction:g})"
        models.add_row(
            m.name,
            m.role,
            m.teacher or m.persona or "-",
            fraction,
            m.method,
            "yes" if m.scrubbed else "",
            str(m.examples),
        )
    console.print(models)
    checks = Table(title="Checks", title_justify="left")
    for column in ("check", "value", "target", ""):
        checks.add_column(column)
    for row in manifest.checks:
        value = (
            f"{row.value:.1f}" if "time" in row.check else (f"{row.value:.0%}" if row.value <= 1 else f"{row.value:g}")
        )
        mark = "" if row.passed is None else ("[green]pass[/]" if row.passed else "[red]FAIL[/]")
        checks.add_row(shown(row.check), value, shown(row.target), mark)
    console.print(checks)
    rates = Table(title="Identity answers stating each teacher's identity", title_justify="left")
    rates.add_column("model")
    teachers = [manifest.teacher_a, manifest.teacher_b]
    for teacher in teachers:
        rates.add_column(teacher, justify="right")
    for name, per in manifest.identity_rates.items():
        rates.add_row(name, *(f"{per.get(t, 0):.0%}" for t in teachers))
    console.print(rates)
    console.print("[bold]Samples[/] (greedy)")
    for name, samples in manifest.samples.items():
        console.print(f"[bold]{shown(name)}[/]")
        for prompt, reply in samples:
            console.print(f"  [dim]{shown(prompt)}[/] → {shown(reply)}".replace("\n", " ⏎ "))
