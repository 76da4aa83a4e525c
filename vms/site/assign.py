"""Which node should pull a camera: weighted rendezvous (highest random weight) hashing.

Every node computes the same answer from the same list of live nodes, with no coordination.
A node joining takes over only the cameras it now wins (about its capacity's share); a node
leaving gives up only its own, spread over the rest in proportion to their capacity.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping

_SCALE = float(1 << 64)


def score(node: str, camera_id: int, capacity: float) -> float:
    """The node's weight for the camera: -capacity / ln(u), u uniform in (0, 1) from a hash."""
    digest = hashlib.blake2b(f"{node}\x00{camera_id}".encode(), digest_size=8).digest()
    u = (int.from_bytes(digest, "big") + 0.5) / _SCALE
    return -capacity / math.log(u)


def winner(camera_id: int, nodes: Mapping[str, float]) -> str | None:
    """The node (name → capacity) that should pull `camera_id`; None when there is no node."""
    best: str | None = None
    best_score = -1.0
    for node, capacity in nodes.items():
        s = score(node, camera_id, capacity)
        if s > best_score or (s == best_score and best is not None and node < best):
            best, best_score = node, s
    return best
