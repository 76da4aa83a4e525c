"""The camera plan: the same from every node, spread by capacity, few moves on a change."""

from __future__ import annotations

from collections import Counter

import pytest

from vms.site.assign import Planner, plan, winner

CAMERAS = range(1, 601)


@pytest.mark.parametrize("ports", [(8081, 8082, 8083), (40111, 51234, 33007), (9, 10, 11)])
def test_three_equal_nodes_get_their_share_within_ten_percent(ports: tuple[int, ...]) -> None:
    nodes = {f"127.0.0.1:{p}": 1.0 for p in ports}
    counts = Counter(plan(CAMERAS, nodes).values())
    assert sum(counts.values()) == len(CAMERAS)
    assert set(counts) == set(nodes)
    assert max(counts.values()) <= 220  # 10 % over 200
    assert min(counts.values()) >= 160


def test_capacity_weights_the_share() -> None:
    counts = Counter(plan(CAMERAS, {"big": 2.0, "small": 1.0}).values())
    assert 370 <= counts["big"] <= 440
    assert counts["big"] + counts["small"] == 600


def test_a_joining_node_takes_about_its_share_and_nothing_else_moves_much() -> None:
    two = {"a": 1.0, "b": 1.0}
    three = two | {"c": 1.0}
    before, after = plan(CAMERAS, two), plan(CAMERAS, three)
    moved = [c for c in CAMERAS if before[c] != after[c]]
    to_c = [c for c in moved if after[c] == "c"]
    assert len(to_c) == Counter(after.values())["c"]
    assert len(moved) <= 220  # C's share (200) plus the bound's slack
    # a node leaving: only its cameras move
    back = plan(CAMERAS, two)
    assert all(back[c] == after[c] for c in CAMERAS if after[c] != "c")


def test_the_plan_does_not_depend_on_input_order() -> None:
    nodes = {"x": 1.0, "y": 3.0, "z": 1.0}
    assert plan(reversed(CAMERAS), nodes) == plan(CAMERAS, dict(reversed(nodes.items())))
    assert winner(7, {}) is None and plan([], nodes) == {} and plan(CAMERAS, {}) == {}


def test_the_planner_keeps_rankings_and_answers_as_plan_does() -> None:
    planner = Planner()
    nodes = {"a": 1.0, "b": 2.0}
    assert planner.plan(CAMERAS, nodes) == plan(CAMERAS, nodes)
    assert planner.plan(range(1, 301), nodes) == plan(range(1, 301), nodes)  # cameras retired
    joined = nodes | {"c": 1.0}
    assert planner.plan(CAMERAS, joined) == plan(CAMERAS, joined)  # a node joined: re-ranked
