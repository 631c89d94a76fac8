"""ICE end to end: fuzz each target, judge every response, score, and write the results.

    results = await run_ice(ICEJob(target=["openai:gpt-4o-mini"], facts=["openai"]), store)

Targets are fuzzed one after another, each with its own tree saved in the store under its job key,
so `audit` can run ICE per target or all at once and a killed run resumes where it stopped. With
`job.output` set, the result files are rewritten after every iteration: a killed run leaves files
that describe everything it finished.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from distillscope.audit.ice.fuzzer import Fuzzer, FuzzLimits, StopRule, new_tree
from distillscope.audit.ice.job import ICEJob, ResolvedJob, TargetPlan, resolve_job
from distillscope.audit.ice.judging import make_identity_judge, source_matcher
from distillscope.audit.ice.mutators import MUTATOR_CONFIG, LLMMutator, Mutator, OfflineMutator
from distillscope.audit.ice.results import (
    FuzzStats,
    ICEQuery,
    ICEResults,
    ICETargetResult,
    TemplateResult,
    write_results,
)
from distillscope.audit.ice.scores import score_queries
from distillscope.audit.ice.selection import make_policy
from distillscope.audit.ice.templates import fill
from distillscope.audit.ice.tree import FuzzNode, FuzzTree
from distillscope.fileio.paths import check_output_folder, job_inputs
from distillscope.judges.identity.llm import JUDGE_CONFIG, PROMPT_TOKENS
from distillscope.judges.identity.rejudge import rejudge_spec
from distillscope.models.batch import ChatResult
from distillscope.models.catalog import ModelCatalog
from distillscope.models.plan import CallPlan, mean_tokens
from distillscope.models.pricing import price_of
from distillscope.models.recorded import RecordedModel
from distillscope.models.run import Run
from distillscope.store import RunStore

STATE_NAMESPACE = "ice"


async def run_ice(
    job: ICEJob,
    store: RunStore,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[ChatResult], None] | None = None,
    stop_rule_for: Callable[[TargetPlan, list[ICETargetResult]], StopRule | None] | None = None,
) -> ICEResults:
    """Fuzz, judge and score every target of the job. `on_start(total)` gets the target queries to go.

    `stop_rule_for(target, finished)` may give a target a rule to stop early (a sequential test), made
    from the targets finished before it; the targets run in the job's order."""
    resolved = resolve_job(job)
    if job.output is not None:  # after the inputs are read, before any call
        check_output_folder(job.output, inputs=job_inputs(job))
    limits = FuzzLimits(job.budget, job.max_iterations, job.max_successes)
    if on_start is not None:
        on_start(sum(_queries_to_go(store, t, resolved, limits) for t in resolved.targets))
    config = job.model_dump(mode="json")
    results = ICEResults(targets=[], config=config)
    async with Run(store, "ice", config, job.models) as run:
        results.run_id = run.id
        mutator: Mutator = OfflineMutator() if job.mutator is None else LLMMutator(run.model(job.mutator))
        for plan in resolved.targets:
            done = list(results.targets)

            def write_partial(partial: ICETargetResult, done: list[ICETargetResult] = done) -> None:
                if job.output is not None:
                    snapshot = results.model_copy(update={"targets": [*done, partial], "usage": run.usage()})
                    write_results(snapshot, job.output)

            rule = stop_rule_for(plan, done) if stop_rule_for is not None else None
            own_limits = limits if rule is None else replace(limits, rule=rule)
            result = await _fuzz_target(plan, resolved, run, mutator, own_limits, on_result, write_partial)
            results.targets.append(result)
        results.usage = run.usage()
    if job.output is not None:
        write_results(results, job.output)
    return results


async def _fuzz_target(
    plan: TargetPlan,
    resolved: ResolvedJob,
    run: Run,
    mutator: Mutator,
    limits: FuzzLimits,
    on_result: Callable[[ChatResult], None] | None,
    on_save: Callable[[ICETargetResult], None],
) -> ICETargetResult:
    job = resolved.job
    target = run.model(plan.spec)
    judge = make_identity_judge(job.judge, run, resolved.families, plan.facts, resolved.sources)

    def save(tree: FuzzTree) -> None:
        run.store.put_state(STATE_NAMESPACE, plan.key, tree.model_dump(mode="json"))
        if job.output is not None:
            on_save(target_result(plan, tree, resolved, judge.name, mutator.name, target))

    fuzzer = Fuzzer(
        target=target,
        target_config=job.target_params,
        questions=resolved.questions,
        judge=judge,
        mutator=mutator,
        policy=make_policy(job.policy, job.selection),
        operators=job.operators,
        source_matcher=source_matcher(resolved.families, resolved.sources, plan.facts),
        limits=limits,
        seed=job.seed,
        reward_on=job.reward_on,
        on_result=on_result,
    )
    tree = await fuzzer.run(load_tree(run.store, plan, resolved, limits), save)
    return target_result(plan, tree, resolved, judge.name, mutator.name, target)


def load_tree(store: RunStore, plan: TargetPlan, resolved: ResolvedJob, limits: FuzzLimits) -> FuzzTree:
    """The saved tree of this target's job, or a fresh one of the seed templates."""
    saved = store.get_state(STATE_NAMESPACE, plan.key)
    if saved is None:
        return new_tree(plan.key, resolved.templates)
    tree = FuzzTree.model_validate(saved)
    if tree.iteration > 0 and limits.stop_reason(tree) is None:
        tree.resumed_at.append(tree.iteration)
    return tree


def target_result(
    plan: TargetPlan, tree: FuzzTree, resolved: ResolvedJob, judge: str, mutator: str, target: RecordedModel
) -> ICETargetResult:
    queries = tree_queries(plan.spec, tree, resolved)
    mutants = tree.mutants()
    family = resolved.families[plan.facts]
    return ICETargetResult(
        target=plan.spec,
        facts=plan.facts,
        facts_name=f"{family.names[0] if family.names else plan.facts} ({family.developer})",
        sources=resolved.sources,
        judge=judge,
        mutator=mutator,
        policy=resolved.job.policy,
        seed=resolved.job.seed,
        job_key=plan.key,
        scores=score_queries(queries, resolved.families, plan.facts, resolved.sources),
        fuzz=FuzzStats(
            iterations=tree.iteration,
            queries=tree.queries,
            mutants=len(mutants),
            mutants_repaired=sum(n.repaired for n in mutants),
            mutants_cleaned=sum(bool(n.cleaning) and not n.mutator_failed for n in mutants),
            mutator_failures=sum(n.mutator_failed for n in mutants),
            stop_reason=tree.stop_reason,
            resumed_at=tree.resumed_at,
        ),
        templates=[_template_result(n) for n in tree.nodes],
        queries=queries,
        usage=[target.usage],
    )


def tree_queries(target: str, tree: FuzzTree, resolved: ResolvedJob) -> list[ICEQuery]:
    texts = {(q.id, q.language): q.question for q in resolved.questions}
    queries = []
    for node in tree.mutants():
        for result in node.results:
            prompt = fill(node.text, texts.get((result.question_id, result.language), ""))
            queries.append(
                ICEQuery(
                    target=target,
                    iteration=node.iteration,
                    template_id=node.id,
                    parent_id=node.parent,
                    root_template=node.root,
                    depth=node.depth,
                    operator=node.operator,
                    question_id=result.question_id,
                    category=result.category,
                    language=result.language,
                    prompt=prompt,
                    response=result.response,
                    error=result.error,
                    judged=result.judged,
                    loose=result.loose,
                    strict=result.strict,
                    hard=result.strict and not result.prompt_names_source,
                    prompt_names_source=result.prompt_names_source,
                    claimed_families=result.claimed_families,
                    label=result.label,
                    reason=result.reason,
                )
            )
    return queries


def _template_result(node: FuzzNode) -> TemplateResult:
    """The node as the results show it: every field of the same name, and no rate before anything was judged."""
    same_names = {name: getattr(node, name) for name in TemplateResult.model_fields}
    return TemplateResult(**{**same_names, "success_rate": node.success_rate if node.judged else None})


def _queries_to_go(store: RunStore, plan: TargetPlan, resolved: ResolvedJob, limits: FuzzLimits) -> int:
    saved = store.get_state(STATE_NAMESPACE, plan.key)
    done = int(saved.get("queries", 0)) if isinstance(saved, dict) else 0
    return limits.planned_queries(len(resolved.questions), done)


# ------------------------------------------------------------------------------------------ dry run
def plan_ice(job: ICEJob, store: RunStore) -> list[CallPlan]:
    """The calls a run would make, and how many the store already holds. Makes no call.

    Which prompts a run sends depends on the answers it gets, so only the calls of the iterations
    a saved tree has finished are known to be cached; strict judge calls are an upper bound.
    """
    resolved = resolve_job(job)
    limits = FuzzLimits(job.budget, job.max_iterations, job.max_successes)
    questions = len(resolved.questions)
    prompt_tokens = mean_tokens([t.text for t in resolved.templates]) + mean_tokens(
        [q.question for q in resolved.questions]
    )
    plans: list[CallPlan] = []
    for target in resolved.targets:
        saved = store.get_state(STATE_NAMESPACE, target.key)
        tree = FuzzTree.model_validate(saved) if saved is not None else None
        total = limits.planned_queries(questions)
        done = min(tree.queries if tree else 0, total)
        iterations = math.ceil(total / questions)
        done_iterations = min(tree.iteration if tree else 0, iterations)
        max_tokens = job.target_params.max_tokens or 256
        plans.append(_plan(target.spec, f"target ({target.facts})", total, done, prompt_tokens, max_tokens, job.models))
        if job.mutator is not None:
            mutator_tokens = 2 * prompt_tokens + 120
            plans.append(
                _plan(
                    job.mutator,
                    "mutator",
                    iterations,
                    done_iterations,
                    mutator_tokens,
                    MUTATOR_CONFIG.max_tokens or 1024,
                    job.models,
                )
            )
        if not job.offline_judge:
            llm_judge = rejudge_spec(job.judge) or job.judge  # rules+SPEC: at most every answer re-judged
            judge_prompt = max_tokens + PROMPT_TOKENS
            judge_max = JUDGE_CONFIG.max_tokens or 256
            loose_done = done
            strict_done = sum(r.loose for n in tree.mutants() for r in n.results) if tree else 0
            plans.append(_plan(llm_judge, "judge, loose", total, loose_done, judge_prompt, judge_max, job.models))
            plans.append(
                _plan(llm_judge, "judge, strict (at most)", total, strict_done, judge_prompt, judge_max, job.models)
            )
    return plans


def _plan(
    spec: str, role: str, calls: int, cached: int, prompt_tokens: int, completion_tokens: int, models: ModelCatalog
) -> CallPlan:
    plan = CallPlan(model=spec, role=role, price=price_of(models.resolve(spec)))
    plan.calls = calls
    plan.cached = min(cached, calls)
    plan.prompt_tokens = prompt_tokens * plan.new_calls
    plan.completion_tokens = completion_tokens * plan.new_calls
    return plan
