"""The camera plan: the same from every node, spread by capacity, kept with its holders, and
moving only the joining or leaving node's share."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from vms.site.assign import Planner, plan, quotas, ranking

CAMERAS = range(1, 601)


def _names(rng: random.Random, count: int) -> list[str]:
    return [f"127.0.0.1:{p}" for p in rng.sample(range(1024, 65536), count)]


@pytest.mark.parametrize("ports", [(8081, 8082, 8083), (40111, 51234, 33007), (9, 10, 11)])
def test_three_equal_nodes_get_their_exact_share(ports: tuple[int, ...]) -> None:
    nodes = {f"127.0.0.1:{p}": 1.0 for p in ports}
    counts = Counter(plan(CAMERAS, nodes).values())
    assert counts == Counter(dict.fromkeys(nodes, 200))


def test_capacity_weights_the_share_and_the_remainder_goes_by_largest_fraction() -> None:
    counts = Counter(plan(CAMERAS, {"big": 2.0, "small": 1.0}).values())
    assert counts == Counter({"big": 400, "small": 200})
    assert quotas(10, {"a": 1.0, "b": 1.0, "c": 1.0}) == {"a": 4, "b": 3, "c": 3}
    assert quotas(10, {"a": 1.0, "b": 2.5}) == {"a": 3, "b": 7}  # 2.857 → 3, 7.143 → 7
    assert sum(quotas(61, {"x": 0.3, "y": 0.3, "z": 0.4}).values()) == 61


@pytest.mark.parametrize("seed", range(40))
def test_a_joining_node_takes_exactly_its_share_and_nothing_else_moves(seed: int) -> None:
    """Random node names (host:port): a plan blind to the holders moved 16–29 of 60 here."""
    rng = random.Random(seed)
    a, b, c = _names(rng, 3)
    cams = range(1, 61)
    two = {a: 1.0, b: 1.0}
    before = plan(cams, two)
    after = plan(cams, two | {c: 1.0}, before)
    moved = [cam for cam in cams if before[cam] != after[cam]]
    assert len(moved) == 20 and all(after[cam] == c for cam in moved)
    assert Counter(after.values()) == Counter({a: 20, b: 20, c: 20})
    again = plan(cams, two | {c: 1.0}, after)
    assert again == after  # settled: the next tick moves nothing


@pytest.mark.parametrize("seed", range(40))
def test_a_leaving_node_gives_up_only_its_own_spread_over_the_rest(seed: int) -> None:
    rng = random.Random(seed)
    names = _names(rng, 4)
    nodes = dict.fromkeys(names, 1.0)
    held = plan(CAMERAS, nodes)
    gone = names[seed % 4]
    left = {n: 1.0 for n in names if n != gone}
    after = plan(CAMERAS, left, held)
    assert all(after[cam] == held[cam] for cam in CAMERAS if held[cam] != gone)
    assert Counter(after.values()) == Counter(dict.fromkeys(left, 200))


def test_a_node_over_its_quota_keeps_the_cameras_that_rank_it_best() -> None:
    nodes = {"a": 1.0, "b": 1.0}
    cams = range(1, 21)
    held = dict.fromkeys(cams, "a")  # everything on a (b just joined)
    after = plan(cams, nodes, held)
    kept = [cam for cam in cams if after[cam] == "a"]
    assert len(kept) == 10
    firsts = [cam for cam in cams if ranking(cam, nodes)[0] == "a"]
    assert 0 < len(firsts) < 20
    if len(firsts) >= 10:
        assert kept == firsts[:10]
    else:
        assert set(firsts) < set(kept)  # all it ranks first, then the rest by camera id


def test_holders_that_are_gone_or_unknown_count_for_nothing() -> None:
    nodes = {"x": 1.0, "y": 3.0, "z": 1.0}
    assert plan(CAMERAS, nodes, dict.fromkeys(CAMERAS, "dead")) == plan(CAMERAS, nodes)
    assert plan(reversed(CAMERAS), nodes) == plan(CAMERAS, dict(reversed(nodes.items())))
    assert plan([], nodes) == {} and plan(CAMERAS, {}) == {}


def test_the_planner_keeps_rankings_and_answers_as_plan_does() -> None:
    planner = Planner()
    nodes = {"a": 1.0, "b": 2.0}
    assert planner.plan(CAMERAS, nodes) == plan(CAMERAS, nodes)
    assert planner.plan(range(1, 301), nodes) == plan(range(1, 301), nodes)  # cameras retired
    joined = nodes | {"c": 1.0}
    held = plan(CAMERAS, nodes)
    assert planner.plan(CAMERAS, joined, held) == plan(CAMERAS, joined, held)  # re-ranked
