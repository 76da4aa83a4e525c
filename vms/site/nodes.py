"""The site's nodes in Redis: one hash per node and a sorted set of last heartbeats.

A node is live while its last heartbeat is younger than the lease time; the list keeps dead
nodes for `FORGET_MS` so an administrator sees which one went away and when.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.typing import EncodableT, FieldT

FORGET_MS = 600_000


@dataclass(frozen=True)
class NodeInfo:
    """What a node says about itself in each heartbeat."""

    name: str
    url: str
    started: float  # unix seconds
    heartbeat: float  # unix seconds of the last heartbeat
    capacity: float = 1.0
    cameras: int = 0  # camera streams pulled now
    viewers: int = 0  # WHEP sessions served now
    cpu: float = 0.0  # cores used by this process (1.0 = one core), over the last tick
    degraded: bool = False
    pid: int = 0  # the process id on its machine

    def to_dict(self, now: float, lease_s: float) -> dict[str, Any]:
        return asdict(self) | {"alive": now - self.heartbeat < lease_s}

    @classmethod
    def from_hash(cls, raw: dict[bytes, bytes]) -> NodeInfo | None:
        try:
            d = {k.decode(): v.decode() for k, v in raw.items()}
            return cls(
                name=d["name"],
                url=d["url"],
                started=float(d["started"]),
                heartbeat=float(d["heartbeat"]),
                capacity=float(d.get("capacity", 1.0)),
                cameras=int(d.get("cameras", 0)),
                viewers=int(d.get("viewers", 0)),
                cpu=float(d.get("cpu", 0.0)),
                degraded=d.get("degraded") == "1",
                pid=int(d.get("pid", 0)),
            )
        except (KeyError, ValueError, UnicodeDecodeError):
            return None


class NodeRegistry:
    """Heartbeats and the node list of one site (`<prefix>nodes`, `<prefix>node:<name>`)."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._redis = client
        self._prefix = prefix
        self.ops = 0

    def _key(self, name: str) -> str:
        return f"{self._prefix}node:{name}"

    @property
    def _index(self) -> str:
        return f"{self._prefix}nodes"

    async def beat(self, node: NodeInfo) -> None:
        """Write this node's hash and heartbeat (one round trip)."""
        fields: dict[FieldT, EncodableT] = {
            k: str(int(v) if isinstance(v, bool) else v) for k, v in asdict(node).items()
        }
        pipe = self._redis.pipeline(transaction=False)
        pipe.hset(self._key(node.name), mapping=fields)
        pipe.pexpire(self._key(node.name), FORGET_MS)
        pipe.zadd(self._index, {node.name: int(node.heartbeat * 1000)})
        pipe.zremrangebyscore(self._index, 0, int(node.heartbeat * 1000) - FORGET_MS)
        self.ops += 4
        await pipe.execute()

    async def all(self) -> list[NodeInfo]:
        """Every node heard from in the last `FORGET_MS`, by name (two round trips)."""
        names = await self._redis.zrange(self._index, 0, -1)
        self.ops += 1 + len(names)
        if not names:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for name in names:
            pipe.hgetall(self._key(name.decode() if isinstance(name, bytes) else str(name)))
        nodes = [NodeInfo.from_hash(raw) for raw in await pipe.execute() if raw]
        return sorted((n for n in nodes if n is not None), key=lambda n: n.name)

    async def leave(self, name: str) -> None:
        """A clean shutdown: drop this node now, so the others need not wait for its leases."""
        self.ops += 2
        await self._redis.zrem(self._index, name)
        await self._redis.delete(self._key(name))
