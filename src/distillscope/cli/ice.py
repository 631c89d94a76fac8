"""`distillscope ice ...`: identity consistency evaluation, and re-judging collected responses.

distillscope ice --target SPEC --facts FAMILY [...]     fuzz, judge, score
distillscope ice judge --input responses.jsonl --target-family glm
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

from distillscope.audit.ice.job import ICEJob
from distillscope.audit.ice.judging import judge_file
from distillscope.audit.ice.results import QUERIES_CSV, RESULTS_JSON, TEMPLATES_CSV, ICEResults
from distillscope.audit.ice.runner import plan_ice, run_ice
from distillscope.audit.ice.scores import describe_identities
from distillscope.audit.ice.tables import category_table, score_table
from distillscope.cli.common import fail_on_failed_calls, fail_on_unreadable_judges, field_help, load_job, state
from distillscope.cli.console import ProgressBar, console, plan_summary, plan_table, render_table, shown, usage_table
from distillscope.data.families import read_family_files
from distillscope.models.catalog import ModelCatalog
from distillscope.models.plan import CallPlan
from distillscope.models.planning import planning_only

DEFAULT_OUTPUT = Path("ice-results")

ice_app = typer.Typer(
    help="Identity consistency evaluation (ICE): does a target, under jailbreak templates, claim another identity?",
)


@ice_app.callback(invoke_without_command=True)
def ice(
    ctx: typer.Context,
    target: Annotated[
        list[str] | None, typer.Option("--target", help="Model spec or alias to audit (repeatable).")
    ] = None,
    facts: Annotated[str | None, typer.Option("--facts", help=field_help(ICEJob, "facts"))] = None,
    sources: Annotated[str | None, typer.Option("--sources", help=field_help(ICEJob, "sources"))] = None,
    families: Annotated[
        list[Path] | None, typer.Option("--families", help="YAML of extra families, e.g. zoo personas (repeatable).")
    ] = None,
    mutator: Annotated[str | None, typer.Option("--mutator", help=field_help(ICEJob, "mutator"))] = None,
    judge: Annotated[str | None, typer.Option("--judge", help=field_help(ICEJob, "judge"))] = None,
    budget: Annotated[int | None, typer.Option("--budget", help=field_help(ICEJob, "budget"))] = None,
    max_iterations: Annotated[
        int | None, typer.Option("--max-iterations", help=field_help(ICEJob, "max_iterations"))
    ] = None,
    max_successes: Annotated[
        int | None, typer.Option("--max-successes", help=field_help(ICEJob, "max_successes"))
    ] = None,
    policy: Annotated[str | None, typer.Option("--policy", help=field_help(ICEJob, "policy"))] = None,
    seed: Annotated[int | None, typer.Option("--seed", help=field_help(ICEJob, "seed"))] = None,
    questions: Annotated[Path | None, typer.Option("--questions", help=field_help(ICEJob, "questions"))] = None,
    languages: Annotated[str | None, typer.Option("--languages", help=field_help(ICEJob, "languages"))] = None,
    per_category: Annotated[int | None, typer.Option("--per-category", help=field_help(ICEJob, "per_category"))] = None,
    templates: Annotated[Path | None, typer.Option("--templates", help=field_help(ICEJob, "templates"))] = None,
    models: Annotated[Path | None, typer.Option("--models", help="YAML file of named models.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=f"Results folder (default {DEFAULT_OUTPUT}).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the planned calls and cost; call nothing.")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="YAML with the same fields as the flags.")] = None,
) -> None:
    """Fuzz identity questions through jailbreak templates; score loose, strict and hard identity claims."""
    if ctx.invoked_subcommand is not None:
        return
    if not target and config is None:
        console.print(ctx.get_help())
        raise typer.Exit(0)
    flags: dict[str, Any] = {
        "target": target,
        "facts": facts,
        "sources": sources,
        "families": families,
        "mutator": mutator,
        "judge": judge,
        "budget": budget,
        "max_iterations": max_iterations,
        "max_successes": max_successes,
        "policy": policy,
        "seed": seed,
        "questions": questions,
        "languages": languages,
        "per_category": per_category,
        "templates": templates,
        "models": models,
        "output": output,
    }
    job = load_job(config, ICEJob, flags)
    if job.output is None:
        job = job.model_copy(update={"output": DEFAULT_OUTPUT})
    with state(ctx).open_store() as store:
        if dry_run:
            with planning_only():  # a dry run needs no API key
                print_plan(plan_ice(job, store))
            return
        with ProgressBar("ice: target queries") as bar:
            results = asyncio.run(run_ice(job, store, on_start=bar.start, on_result=bar.advance))
        print_results(results)
        names = ", ".join((RESULTS_JSON, QUERIES_CSV, TEMPLATES_CSV))
        console.print(f"results → {shown(str(job.output))}/ ({names}) · run {results.run_id}")
        fail_on_failed_calls(store, results.usage, [results.run_id])
        fail_on_unreadable_judges(
            {t.judge: t.scores.unparseable for t in results.targets if t.scores.unparseable and not t.scores.judged}
        )


@ice_app.command("judge")
def ice_judge(
    ctx: typer.Context,
    input_path: Annotated[Path, typer.Option("--input", help='JSONL of {"response": ..., "prompt": ...} lines.')],
    target_family: Annotated[str, typer.Option("--target-family", help="Family of the responder's true identity.")],
    source_families: Annotated[
        str, typer.Option("--source-families", help="Source families for strict/hard.")
    ] = "openai,anthropic",
    judge: Annotated[
        str, typer.Option("--judge", help="'rules' (offline), a judge model spec, or 'rules+SPEC' (LLM re-judge).")
    ] = "rules",
    families: Annotated[list[Path] | None, typer.Option("--families", help="YAML of extra families.")] = None,
    models: Annotated[Path | None, typer.Option("--models", help="YAML file of named models.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Judged JSONL (default INPUT.judged.jsonl).")
    ] = None,
) -> None:
    """Judge responses collected by any tool with ICE's identity judges, and score them."""
    target = output or input_path.with_suffix(".judged.jsonl")
    sources = [s.strip() for s in source_families.split(",") if s.strip()]
    with state(ctx).open_store() as store:
        with ProgressBar(f"ice judge ({judge})") as bar:
            summary = asyncio.run(
                judge_file(
                    input_path,
                    target,
                    target=target_family,
                    store=store,
                    sources=sources,
                    judge=judge,
                    families=read_family_files(*(families or [])),
                    catalog=ModelCatalog.from_file(models) if models is not None else None,
                    on_start=bar.start,
                    on_result=bar.advance,
                )
            )
        console.print(render_table(score_table([(str(input_path), target_family, summary.scores)], "ICE (re-judged)")))
        console.print(render_table(category_table([(target_family, summary.scores)])))
        console.print(f"{shown(target_family)}: {shown(describe_identities(summary.scores.identities))}")
        if summary.usage:
            console.print(usage_table(summary.usage, title=f"Judge usage · run {summary.run_id}"))
        console.print(f"{summary.lines} responses judged by {shown(summary.judge)} → {shown(str(summary.output_path))}")
        fail_on_failed_calls(store, summary.usage, [summary.run_id])
        scores = summary.scores
        fail_on_unreadable_judges(
            {summary.judge: scores.unparseable} if scores.unparseable and not scores.judged else {}
        )


def print_results(results: ICEResults) -> None:
    named = [(t.target, t.facts, t.scores) for t in results.targets]
    console.print(render_table(score_table(named)))
    console.print(render_table(category_table([(name, scores) for name, _, scores in named])))
    for t in results.targets:
        f = t.fuzz
        resumed = f", resumed at iteration {', '.join(map(str, f.resumed_at))}" if f.resumed_at else ""
        console.print(f"[bold]{shown(t.target)}[/]: {shown(describe_identities(t.scores.identities))}")
        console.print(
            f"  {f.iterations} iterations, {f.queries} queries, {f.mutants} mutants ({f.mutants_repaired} needed "
            f"their placeholder repaired, {f.mutants_cleaned} cleaned), policy {t.policy}, mutator "
            f"{shown(t.mutator)}, judge {shown(t.judge)}; stopped by {f.stop_reason}{resumed}"
        )
    console.print(usage_table(results.usage, title=f"Usage · run {results.run_id}"))


def print_plan(plans: list[CallPlan]) -> None:
    console.print(plan_table(["model", "role"], [([p.model, p.role], p) for p in plans]))
    console.print(plan_summary(plans))
    offline = [] if any(p.role == "mutator" for p in plans) else ["mutator"]
    offline += [] if any(p.role.startswith("judge") for p in plans) else ["judge"]
    if offline:
        console.print(f"offline (no calls): {', '.join(offline)}")
    console.print("token counts are estimates; which prompts are sent depends on the answers, so only finished")
    console.print("iterations of a saved run count as in store")
