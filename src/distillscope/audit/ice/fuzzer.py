"""The fuzzing loop: select a template, mutate it, ask every question through it, judge, update.

One iteration makes one mutant and sends one query per identity question, all at once. Each
iteration draws its randomness from a generator seeded by (seed, iteration), and every model call
goes through the run store, so a run is a pure function of its seed and the stored calls: a rerun
costs nothing and a resumed run continues exactly where the killed one would have gone. The tree is
saved after every iteration.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from random import Random

from distillscope.audit.ice.cleaning import clean_mutant
from distillscope.audit.ice.judging import IdentityJudge
from distillscope.audit.ice.mutators import Mutator
from distillscope.audit.ice.questions import IdentityQuestion
from distillscope.audit.ice.selection import SelectionPolicy
from distillscope.audit.ice.templates import SeedTemplate, fill
from distillscope.audit.ice.tree import FuzzNode, FuzzTree, QueryResult
from distillscope.judges.base import Judgment
from distillscope.judges.identity.rules import FamilyMatcher
from distillscope.models.base import CallFailed
from distillscope.models.batch import ChatRequest, ChatResult, chat_many
from distillscope.models.recorded import RecordedModel
from distillscope.models.types import GenerateConfig

StopRule = Callable[[FuzzTree], str | None]


@dataclass(frozen=True)
class FuzzLimits:
    budget: int
    max_iterations: int | None = None
    max_successes: int | None = None
    rule: StopRule | None = None  # another reason to stop, asked after each iteration (a sequential test)

    def stop_reason(self, tree: FuzzTree) -> str | None:
        if tree.queries >= self.budget:
            return "budget"
        if self.max_iterations is not None and tree.iteration >= self.max_iterations:
            return "iterations"
        if self.max_successes is not None and tree.successes >= self.max_successes:
            return "successes"
        return self.rule(tree) if self.rule is not None and tree.queries else None

    def planned_queries(self, questions: int, done: int = 0) -> int:
        """How many target queries a run will make at most."""
        by_iterations = self.max_iterations * questions if self.max_iterations is not None else self.budget
        return max(0, min(self.budget, by_iterations) - done)


def new_tree(job_key: str, templates: Sequence[SeedTemplate]) -> FuzzTree:
    seeds = [FuzzNode(id=t.id, root=t.id, text=t.text, style=t.style) for t in templates]
    return FuzzTree(job_key=job_key, nodes=seeds)


@dataclass
class Fuzzer:
    target: RecordedModel
    target_config: GenerateConfig
    questions: Sequence[IdentityQuestion]
    judge: IdentityJudge
    mutator: Mutator
    policy: SelectionPolicy
    operators: Sequence[str]
    source_matcher: FamilyMatcher
    limits: FuzzLimits
    seed: int = 0
    reward_on: str = "loose"
    on_result: Callable[[ChatResult], None] | None = None

    async def run(self, tree: FuzzTree, save: Callable[[FuzzTree], None]) -> FuzzTree:
        tree.stop_reason = None
        while (reason := self.limits.stop_reason(tree)) is None:
            await self.iterate(tree)
            save(tree)
        tree.stop_reason = reason
        save(tree)
        return tree

    async def iterate(self, tree: FuzzTree) -> FuzzNode:
        index = tree.iteration
        rng = Random(f"{self.seed}:{index}")
        path = self.policy.select(tree, rng, step=index + 1)
        parent = tree.node(path[-1])
        operator = rng.choice(list(self.operators))
        others = [n for n in tree.pool() if n.id != parent.id] or [parent]
        partner = rng.choice(others) if operator == "crossover" else None
        node = await self._mutant(tree, parent, operator, partner, rng)
        questions = list(self.questions[: self.limits.budget - tree.queries])
        node.results = await self._evaluate(node.text, questions, sample_index=tree.times_evaluated(node.text))
        node.judged = sum(r.judged for r in node.results)
        node.successes = sum(self._succeeded(r) for r in node.results)
        node.in_pool = node.successes > 0
        self.policy.update(tree, path, node.success_rate)
        tree.nodes.append(node)
        tree.iteration += 1
        tree.queries += len(questions)
        tree.successes += node.successes
        return node

    async def _mutant(
        self, tree: FuzzTree, parent: FuzzNode, operator: str, partner: FuzzNode | None, rng: Random
    ) -> FuzzNode:
        index = tree.iteration
        node = FuzzNode(
            id=f"m{index + 1}",
            parent=parent.id,
            root=parent.root,
            depth=parent.depth + 1,
            text=parent.text,
            style=parent.style,
            operator=operator,
            partner=partner.id if partner else None,
            iteration=index,
            in_pool=False,
        )
        try:
            raw = await self.mutator.mutate(
                operator, parent.text, partner.text if partner else parent.text, iteration=index, rng=rng
            )
        except CallFailed as exc:
            node.mutator_failed = True
            node.cleaning = [f"mutator call failed, parent reused: {exc}"]
            return node
        cleaned = clean_mutant(raw)
        node.placeholders_found = cleaned.placeholders_found
        node.cleaning = list(cleaned.stripped)
        if cleaned.repaired:
            node.cleaning.append(f"placeholder repaired ({cleaned.placeholders_found} found)")
        if cleaned.empty:
            node.cleaning.append("mutant empty after cleaning, parent reused")
        else:
            node.text = cleaned.text
        return node

    async def _evaluate(self, template: str, questions: list[IdentityQuestion], sample_index: int) -> list[QueryResult]:
        prompts = [fill(template, q.question) for q in questions]
        requests = [
            ChatRequest.of(p, config=self.target_config, sample_index=sample_index, id=q.key)
            for p, q in zip(prompts, questions, strict=True)
        ]
        replies = await chat_many(self.target, requests, on_result=self.on_result)
        answered = [(i, r.output.text) for i, r in enumerate(replies) if r.output is not None]
        judgments = await self.judge.judge_many(
            [text for _, text in answered], [questions[i].question for i, _ in answered]
        )
        verdicts: dict[int, Judgment] = {i: j for (i, _), j in zip(answered, judgments, strict=True)}
        results = []
        for i, (question, reply, prompt) in enumerate(zip(questions, replies, prompts, strict=True)):
            result = QueryResult(
                question_id=question.id,
                language=question.language,
                category=question.category,
                prompt_names_source=bool(self.source_matcher.find(prompt)),
            )
            if reply.output is None:
                result.error = reply.error
            else:
                result.response = reply.output.text
                _apply_verdict(result, verdicts[i])
            results.append(result)
        return results

    def _succeeded(self, result: QueryResult) -> bool:
        return result.judged and (result.strict if self.reward_on == "strict" else result.loose)


def _apply_verdict(result: QueryResult, judgment: Judgment) -> None:
    result.reason = judgment.reason
    if not judgment.parsed:
        result.label = "unparseable"
        return
    result.judged = True
    result.loose = bool(judgment.details.get("loose"))
    result.strict = bool(judgment.details.get("strict"))
    result.claimed_families = list(judgment.details.get("claimed_families") or [])
    result.label = judgment.label
