"""The fuzz tree: every template tried, where it came from, how it did, and what each question got.

It is the fuzzer's whole state. Saved to the run store after every iteration, it lets a killed run
resume at the next iteration; the calls of a half-finished iteration are answered from the store.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class QueryResult(BaseModel):
    """One identity question asked through one template, and the verdict on the reply."""

    question_id: str
    language: str
    category: str
    response: str | None = None
    error: str | None = None
    judged: bool = Field(False, description="A verdict was read (False for failed calls and unparseable verdicts).")
    loose: bool = False
    strict: bool = False
    prompt_names_source: bool = Field(False, description="The prompt itself names a source family.")
    claimed_families: list[str] = Field(default_factory=list)
    label: str | None = None
    reason: str = ""


class FuzzNode(BaseModel):
    id: str
    parent: str | None = None
    root: str = Field(description="The seed template this lineage started from.")
    depth: int = 0
    text: str
    style: str = ""
    operator: str | None = None
    partner: str | None = Field(None, description="The other template of a crossover.")
    iteration: int | None = Field(None, description="The iteration that made this mutant; None for seeds.")
    in_pool: bool = Field(True, description="Whether selection may pick it: seeds, and mutants with a success.")
    visits: int = 0
    reward: float = Field(0.0, description="Reward accumulated for selection.")
    successes: int = 0
    judged: int = 0
    placeholders_found: int | None = None
    cleaning: list[str] = Field(default_factory=list, description="What cleaning removed or repaired.")
    mutator_failed: bool = False
    results: list[QueryResult] = Field(default_factory=list)

    @property
    def repaired(self) -> bool:
        return self.placeholders_found is not None and self.placeholders_found != 1

    @property
    def success_rate(self) -> float:
        return self.successes / self.judged if self.judged else 0.0


class FuzzTree(BaseModel):
    job_key: str
    nodes: list[FuzzNode]
    iteration: int = Field(0, description="Iterations completed.")
    queries: int = Field(0, description="Target queries made (or answered from the store).")
    successes: int = 0
    policy_state: dict[str, Any] = Field(default_factory=dict)
    stop_reason: str | None = None
    resumed_at: list[int] = Field(default_factory=list, description="Iterations at which a run picked this tree up.")

    def node(self, node_id: str) -> FuzzNode:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def children(self, node_id: str, pool_only: bool = True) -> list[FuzzNode]:
        return [n for n in self.nodes if n.parent == node_id and (n.in_pool or not pool_only)]

    def pool(self) -> list[FuzzNode]:
        return [n for n in self.nodes if n.in_pool]

    def seeds(self) -> list[FuzzNode]:
        return [n for n in self.nodes if n.parent is None]

    def mutants(self) -> list[FuzzNode]:
        return [n for n in self.nodes if n.iteration is not None]

    def times_evaluated(self, text: str) -> int:
        """How often this exact template was evaluated before: the sample index for asking again."""
        return sum(1 for n in self.mutants() if n.text == text)
