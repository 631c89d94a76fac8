"""The five seed-selection policies, each deterministic given its generator."""

from __future__ import annotations

import math
from collections import Counter
from random import Random

import pytest

from distillscope.audit.ice.selection import EXP3, UCB, MCTSExplore, RandomChoice, RoundRobin, make_policy
from distillscope.audit.ice.tree import FuzzNode, FuzzTree


def seeds(count: int = 3) -> FuzzTree:
    return FuzzTree(
        job_key="k", nodes=[FuzzNode(id=f"s{i}", root=f"s{i}", text=f"t{i} {{query}}") for i in range(count)]
    )


def simulate(policy, tree: FuzzTree, rewarded: str, steps: int, seed: int = 0) -> Counter[str]:
    """Select and update `steps` times; only selecting `rewarded` succeeds."""
    picks: Counter[str] = Counter()
    for step in range(1, steps + 1):
        path = policy.select(tree, Random(f"{seed}:{step}"), step)
        picks[path[-1]] += 1
        policy.update(tree, path, 1.0 if path[-1] == rewarded else 0.0)
    return picks


def test_round_robin_cycles_through_the_pool_in_order():
    tree = seeds(3)
    policy = RoundRobin()
    order = [policy.select(tree, Random(0), step)[0] for step in range(1, 5)]
    assert order == ["s0", "s1", "s2", "s0"]
    tree.nodes.append(FuzzNode(id="m1", parent="s0", root="s0", depth=1, text="x {query}", iteration=0))
    assert [policy.select(tree, Random(0), 5)[0] for _ in range(4)] == ["s0", "s1", "s2", "m1"]


def test_random_is_reproducible_and_stays_in_the_pool():
    tree = seeds(4)
    tree.nodes.append(FuzzNode(id="gone", root="s0", parent="s0", text="y", in_pool=False, iteration=0))
    first = [RandomChoice().select(tree, Random(f"7:{i}"), i)[0] for i in range(40)]
    again = [RandomChoice().select(tree, Random(f"7:{i}"), i)[0] for i in range(40)]
    assert first == again and set(first) == {"s0", "s1", "s2", "s3"}


def test_ucb_tries_every_arm_then_prefers_the_rewarded_one():
    tree = seeds(4)
    policy = UCB(c=1.0)
    picks = simulate(policy, tree, rewarded="s2", steps=40)
    assert all(picks[f"s{i}"] >= 1 for i in range(4))
    assert picks["s2"] > 25 and picks["s2"] == max(picks.values())
    assert tree.node("s2").reward == picks["s2"] and tree.node("s2").visits == picks["s2"]


def test_exp3_prefers_the_rewarded_arm_and_keeps_exploring():
    tree = seeds(4)
    policy = EXP3(gamma=0.2)
    picks = simulate(policy, tree, rewarded="s1", steps=120, seed=3)
    assert picks["s1"] > 60 and picks["s1"] == max(picks.values())
    probs = policy.probabilities(tree)
    assert math.isclose(sum(probs.values()), 1.0)
    assert min(probs.values()) >= 0.2 / 4 - 1e-12  # the exploration floor
    assert simulate(EXP3(gamma=0.2), seeds(4), rewarded="s1", steps=120, seed=3) == picks


def test_mcts_uct_formula():
    node = FuzzNode(id="a", root="a", text="t", visits=3, reward=2.0)
    policy = MCTSExplore(c=0.5)
    expected = 2.0 / 4 + 0.5 * math.sqrt(2 * math.log(10) / 3.01)
    assert math.isclose(policy.uct(node, 10), expected)


def _mcts_tree() -> FuzzTree:
    tree = seeds(2)
    tree.node("s0").visits, tree.node("s0").reward = 6, 5.0
    tree.node("s1").visits, tree.node("s1").reward = 6, 0.0
    tree.nodes += [
        FuzzNode(id="m1", parent="s0", root="s0", depth=1, text="a", iteration=0, visits=3, reward=0.0),
        FuzzNode(id="m2", parent="s0", root="s0", depth=1, text="b", iteration=1, visits=3, reward=3.0),
        FuzzNode(id="m3", parent="m2", root="s0", depth=2, text="c", iteration=2, visits=1, reward=1.0),
        FuzzNode(id="m4", parent="m2", root="s0", depth=2, text="d", iteration=3, in_pool=False),
    ]
    return tree


def test_mcts_walks_from_the_best_seed_to_the_best_child():
    tree = _mcts_tree()
    path = MCTSExplore(c=0.5, alpha=0.0).select(tree, Random(0), step=12)
    assert path == ["s0", "m2", "m3"]  # m4 is not in the pool, so never walked to
    assert MCTSExplore(c=0.5, alpha=1.0).select(tree, Random(0), step=12) == ["s0"]  # always stops early


def test_mcts_early_stop_happens_at_rate_alpha():
    tree = _mcts_tree()
    policy = MCTSExplore(c=0.5, alpha=0.3)
    lengths = Counter(len(policy.select(tree, Random(i), step=12)) for i in range(2000))
    assert 0.25 < lengths[1] / 2000 < 0.35


def test_mcts_update_adds_the_penalised_reward_along_the_whole_path():
    tree = _mcts_tree()
    policy = MCTSExplore(c=0.5, alpha=0.0, beta=0.2, level_penalty=0.1)
    before = {n.id: (n.visits, n.reward) for n in tree.nodes}
    policy.update(tree, ["s0", "m2", "m3"], 0.5)
    gain = 0.5 * (1 - 0.1 * 2)  # m3 sits at depth 2
    for node_id in ("s0", "m2", "m3"):
        visits, reward = before[node_id]
        assert tree.node(node_id).visits == visits + 1
        assert math.isclose(tree.node(node_id).reward, reward + gain)
    assert (tree.node("s1").visits, tree.node("m1").visits) == (before["s1"][0], before["m1"][0])
    assert math.isclose(policy.scaled_reward(1.0, 12), 0.2)  # beta floors the penalty


def test_mcts_explores_unvisited_seeds_before_exploiting():
    tree = seeds(3)
    tree.node("s0").visits, tree.node("s0").reward = 1, 1.0
    assert MCTSExplore().select(tree, Random(0), step=2) == ["s1"]


def test_unknown_policy_is_refused():
    assert isinstance(make_policy("exp3"), EXP3)
    with pytest.raises(ValueError, match="unknown selection policy"):
        make_policy("greedy")
