"""Seed selection: which template of the pool the fuzzer mutates next (GPTFuzz's five policies).

Every policy picks from the pool (the seeds, plus each mutant that made at least one success) and
is told the success rate of the mutant it led to. Its state lives in the fuzz tree (visits and
rewards on the nodes, anything else in `tree.policy_state`), so a resumed run decides exactly as an
uninterrupted one would. Randomness comes from the caller's generator, seeded per iteration.

MCTS-Explore, as GPTFuzz defines it:
    UCT(node) = reward / (visits + 1) + c * sqrt(2 * ln(step) / (visits + 0.01))
start at the seed with the best UCT and walk down to the child with the best UCT, stopping early at
each level with probability alpha. The mutant's success rate, times max(beta, 1 - penalty * depth)
(depth of the selected node, so deep lineages earn less), is added to every node on the path.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from random import Random
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # the settings name a policy's parameters without loading the tree
    from distillscope.audit.ice.tree import FuzzNode, FuzzTree


POLICIES: tuple[str, ...] = ("mcts", "ucb", "exp3", "random", "round-robin")


class SelectionParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    c: float = Field(0.5, ge=0, description="MCTS-Explore: weight of the exploration term.")
    alpha: float = Field(0.1, ge=0, le=1, description="MCTS-Explore: chance to stop descending at each level.")
    beta: float = Field(0.2, ge=0, le=1, description="MCTS-Explore: the least a reward is scaled to at depth.")
    level_penalty: float = Field(0.1, ge=0, description="MCTS-Explore: reward lost per level of depth.")
    ucb_c: float = Field(1.0, ge=0, description="UCB: weight of the exploration term.")
    exp3_gamma: float = Field(0.1, gt=0, le=1, description="EXP3: share of uniform exploration.")


class SelectionPolicy(ABC):
    name: str

    @abstractmethod
    def select(self, tree: FuzzTree, rng: Random, step: int) -> list[str]:
        """The path of node ids from a seed to the chosen node (a single id for flat policies)."""

    def update(self, tree: FuzzTree, path: Sequence[str], success_rate: float) -> None:
        chosen = tree.node(path[-1])
        chosen.visits += 1
        chosen.reward += success_rate


def _pool(tree: FuzzTree) -> list[FuzzNode]:
    pool = tree.pool()
    if not pool:
        raise ValueError("the template pool is empty")
    return pool


def _argmax(nodes: Sequence[FuzzNode], score: dict[str, float]) -> FuzzNode:
    """The best node; the earliest one on a tie, so choices do not depend on set order."""
    best = nodes[0]
    for node in nodes[1:]:
        if score[node.id] > score[best.id]:
            best = node
    return best


class RoundRobin(SelectionPolicy):
    name = "round-robin"

    def select(self, tree: FuzzTree, rng: Random, step: int) -> list[str]:
        pool = _pool(tree)
        cursor = int(tree.policy_state.get("cursor", 0))
        tree.policy_state["cursor"] = cursor + 1
        return [pool[cursor % len(pool)].id]


class RandomChoice(SelectionPolicy):
    name = "random"

    def select(self, tree: FuzzTree, rng: Random, step: int) -> list[str]:
        return [rng.choice(_pool(tree)).id]


class UCB(SelectionPolicy):
    """UCB1 over the pool: mean reward plus an exploration bonus; untried templates first."""

    name = "ucb"

    def __init__(self, c: float = 1.0) -> None:
        self.c = c

    def select(self, tree: FuzzTree, rng: Random, step: int) -> list[str]:
        pool = _pool(tree)
        untried = [n for n in pool if n.visits == 0]
        if untried:
            return [untried[0].id]
        log_step = math.log(max(step, 1))
        score = {n.id: n.reward / n.visits + self.c * math.sqrt(2 * log_step / n.visits) for n in pool}
        return [_argmax(pool, score).id]


class EXP3(SelectionPolicy):
    """EXP3 over a growing pool: a new template starts at the mean weight, neither favoured nor starved."""

    name = "exp3"

    def __init__(self, gamma: float = 0.1) -> None:
        self.gamma = gamma

    def probabilities(self, tree: FuzzTree) -> dict[str, float]:
        pool = _pool(tree)
        log_w: dict[str, float] = tree.policy_state.setdefault("log_weights", {})
        start = sum(log_w.values()) / len(log_w) if log_w else 0.0
        for node in pool:
            log_w.setdefault(node.id, start)
        top = max(log_w[n.id] for n in pool)
        weights = {n.id: math.exp(log_w[n.id] - top) for n in pool}
        total = sum(weights.values())
        k = len(pool)
        return {nid: (1 - self.gamma) * w / total + self.gamma / k for nid, w in weights.items()}

    def select(self, tree: FuzzTree, rng: Random, step: int) -> list[str]:
        probs = self.probabilities(tree)
        ids = list(probs)
        chosen = rng.choices(ids, weights=[probs[i] for i in ids])[0]
        tree.policy_state["last"] = {"id": chosen, "p": probs[chosen], "k": len(ids)}
        return [chosen]

    def update(self, tree: FuzzTree, path: Sequence[str], success_rate: float) -> None:
        super().update(tree, path, success_rate)
        last = tree.policy_state.get("last") or {}
        if last.get("id") != path[-1]:
            return
        estimate = success_rate / last["p"]
        tree.policy_state["log_weights"][path[-1]] += self.gamma * estimate / last["k"]


class MCTSExplore(SelectionPolicy):
    name = "mcts"

    def __init__(self, c: float = 0.5, alpha: float = 0.1, beta: float = 0.2, level_penalty: float = 0.1) -> None:
        self.c = c
        self.alpha = alpha
        self.beta = beta
        self.level_penalty = level_penalty

    def uct(self, node: FuzzNode, step: int) -> float:
        explore = math.sqrt(2 * math.log(max(step, 1)) / (node.visits + 0.01))
        return node.reward / (node.visits + 1) + self.c * explore

    def select(self, tree: FuzzTree, rng: Random, step: int) -> list[str]:
        seeds = [n for n in tree.seeds() if n.in_pool] or _pool(tree)
        node = _argmax(seeds, {n.id: self.uct(n, step) for n in seeds})
        path = [node.id]
        while children := tree.children(node.id):
            if rng.random() < self.alpha:
                break
            node = _argmax(children, {n.id: self.uct(n, step) for n in children})
            path.append(node.id)
        return path

    def scaled_reward(self, success_rate: float, depth: int) -> float:
        return success_rate * max(self.beta, 1 - self.level_penalty * depth)

    def update(self, tree: FuzzTree, path: Sequence[str], success_rate: float) -> None:
        reward = self.scaled_reward(success_rate, tree.node(path[-1]).depth)
        for node_id in path:
            node = tree.node(node_id)
            node.visits += 1
            node.reward += reward


def make_policy(name: str, params: SelectionParams | None = None) -> SelectionPolicy:
    params = params or SelectionParams()
    if name == "mcts":
        return MCTSExplore(params.c, params.alpha, params.beta, params.level_penalty)
    if name == "ucb":
        return UCB(params.ucb_c)
    if name == "exp3":
        return EXP3(params.exp3_gamma)
    if name == "random":
        return RandomChoice()
    if name == "round-robin":
        return RoundRobin()
    raise ValueError(f"unknown selection policy {name!r}; expected one of {', '.join(POLICIES)}")
