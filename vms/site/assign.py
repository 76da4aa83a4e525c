"""Which node should pull a camera: rendezvous (highest random weight) ranking, exact quotas,
and the current holders kept.

Each node's quota is its capacity's share of the cameras (largest remainder, ties by name).
A camera stays with the live node that holds it while that node is within its quota (a node
over it keeps the cameras it ranks best and gives up the rest); every other camera (free, held
by a node that is gone, or given up) takes its highest-ranked node with quota left. So a node
joining takes exactly its share, all from the nodes over theirs; a node leaving gives up only
its own; nothing moves between the others. Every node computes the same plan from the same
live nodes and holders (the leases in Redis); with no holders known (a fresh site) the plan is
rendezvous with bounded loads and no slack. Plain rendezvous spreads 60 cameras over three
nodes only within about ±30 %, and a load bound without the holders moved up to 29 cameras
between nodes (16–29 of 60 over 2,000 random node names) when a third node joined.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping

_SCALE = float(1 << 64)


def score(node: str, camera_id: int, capacity: float) -> float:
    """The node's weight for the camera: -capacity / ln(u), u uniform in (0, 1) from a hash."""
    digest = hashlib.blake2b(f"{node}\x00{camera_id}".encode(), digest_size=8).digest()
    u = (int.from_bytes(digest, "big") + 0.5) / _SCALE
    return -capacity / math.log(u)


def ranking(camera_id: int, nodes: Mapping[str, float]) -> list[str]:
    """The nodes in the camera's order of preference (best first; ties by name)."""
    return sorted(nodes, key=lambda n: (-score(n, camera_id, nodes[n]), n))


def quotas(count: int, nodes: Mapping[str, float]) -> dict[str, int]:
    """How many of `count` cameras each node should hold: its capacity share, rounded by
    largest remainder (ties by name), summing to `count`."""
    total = sum(nodes.values())
    exact = {n: count * c / total for n, c in nodes.items()}
    out = {n: math.floor(v + 1e-9) for n, v in exact.items()}
    rest = count - sum(out.values())
    for n in sorted(nodes, key=lambda n: (-(exact[n] - out[n]), n))[:rest]:
        out[n] += 1
    return out


def plan(
    camera_ids: Iterable[int],
    nodes: Mapping[str, float],
    held: Mapping[int, str] | None = None,
) -> dict[int, str]:
    """camera → node for every camera, keeping `held` (camera → its current holder) where the
    holder is live and within its quota."""
    return _plan(sorted(set(camera_ids)), nodes, held or {}, lambda cam: ranking(cam, nodes))


def _plan(
    cams: list[int],
    nodes: Mapping[str, float],
    held: Mapping[int, str],
    ranked: Callable[[int], list[str]],
) -> dict[int, str]:
    if not nodes or not cams:
        return {}
    room = quotas(len(cams), nodes)
    mine: dict[str, list[int]] = {}
    for cam in cams:
        holder = held.get(cam)
        if holder in room:
            mine.setdefault(holder, []).append(cam)
    out: dict[int, str] = {}
    for node, theirs in mine.items():  # over quota: keep the ones ranking this node best
        theirs.sort(key=lambda cam: (ranked(cam).index(node), cam))
        for cam in theirs[: room[node]]:
            out[cam] = node
        room[node] -= min(len(theirs), room[node])
    for cam in cams:
        if cam in out:
            continue
        for node in ranked(cam):
            if room[node] > 0:
                room[node] -= 1
                out[cam] = node
                break
    return out


class Planner:
    """`plan` with each camera's ranking kept until the live nodes change: a tick then costs
    one pass over the cameras, not a hash per camera and node (2,000 cameras × 10 nodes is
    ~0.1–0.2 s of hashing on this project's machines)."""

    def __init__(self) -> None:
        self._nodes: dict[str, float] = {}
        self._ranked: dict[int, list[str]] = {}

    def plan(
        self,
        camera_ids: Iterable[int],
        nodes: Mapping[str, float],
        held: Mapping[int, str] | None = None,
    ) -> dict[int, str]:
        if dict(nodes) != self._nodes:
            self._nodes, self._ranked = dict(nodes), {}
        return _plan(sorted(set(camera_ids)), nodes, held or {}, self._ranking)

    def _ranking(self, camera_id: int) -> list[str]:
        ranked = self._ranked.get(camera_id)
        if ranked is None:
            ranked = self._ranked[camera_id] = ranking(camera_id, self._nodes)
        return ranked
