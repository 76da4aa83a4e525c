"""This process's part in the site: heartbeats, camera leases and which cameras it pulls.

`RedisSite` sits between the camera sync and ingest: the sync hands it every active camera's
streams (`apply`), and it passes on to ingest only those of the cameras it holds a lease on.
One owned task runs a tick every `site.tick_ms`: heartbeat, renew the held leases (a lost one
stops at once), give up the cameras the plan gives another live node (`assign.py`: it keeps
each camera with its holder while the holder is within its share), take free leases the plan
gives it (or any lease left free for a whole lease time). Redis unreachable: it
says it is degraded, keeps pulling what it holds, takes nothing new and catches up on return.

`LocalSite` is the one-process site of `state.backend = "memory"`: every camera is local.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable, Collection, Iterable
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from ingest.health import HealthRegistry
from ingest.spec import StreamSpec
from vms.camera_sync import IngestTarget
from vms.errors import Unavailable
from vms.site.assign import Planner
from vms.site.config import SiteConfig
from vms.site.health import HealthSource, SiteHealth, decode, encode
from vms.site.leases import LeaseStore
from vms.site.nodes import NodeInfo, NodeRegistry
from vms.site.proxy import NodeProxy
from vms.site.sessions import SiteSessions

log = logging.getLogger(__name__)

REDIS_TIMEOUT_S = 1.0


def node_identity(config: SiteConfig, host: str, port: int) -> tuple[str, str]:
    """(node name, node URL) from the config, defaulting to host:port."""
    wildcard = host in ("0.0.0.0", "::", "")  # noqa: S104 (a comparison, not a bind)
    reachable = socket.gethostname() if wildcard else host
    name = config.node_name or f"{reachable}:{port}"
    url = config.node_url or f"http://{reachable}:{port}"
    return name, url.rstrip("/")


class Site(Protocol):
    """What the rest of the server asks of the site."""

    node_name: str
    node_url: str

    @property
    def degraded(self) -> bool: ...

    def holds(self, camera_id: int) -> bool: ...

    def leads(self) -> bool: ...

    def handed_over(self, camera_id: int) -> bool: ...

    def route(self, camera_id: int) -> str | None: ...

    async def held_elsewhere(self, camera_ids: Collection[int]) -> set[int]: ...

    async def apply(self, specs: Iterable[StreamSpec]) -> None: ...

    async def nodes(self) -> list[dict[str, Any]]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class _CpuMeter:
    """Cores used by this process between two readings."""

    def __init__(self) -> None:
        self._last = (time.monotonic(), self._cpu())

    @staticmethod
    def _cpu() -> float:
        t = os.times()
        return t.user + t.system

    def read(self) -> float:
        now, cpu = time.monotonic(), self._cpu()
        wall = now - self._last[0]
        used = (cpu - self._last[1]) / wall if wall > 0 else 0.0
        self._last = (now, cpu)
        return round(used, 3)


class _Base:
    def __init__(
        self,
        config: SiteConfig,
        name: str,
        url: str,
        ingest: Callable[[], IngestTarget | None],
        viewers: Callable[[], int],
        health: HealthRegistry,
    ) -> None:
        self.config = config
        self.local_health = health
        self.health_view: HealthSource = health
        self.node_name = name
        self.node_url = url
        self._ingest = ingest
        self._viewers = viewers
        self._specs: list[StreamSpec] = []
        self._pulled: frozenset[int] = frozenset()  # the cameras of _specs, set with them
        self._started = time.time()
        self._cpu = _CpuMeter()
        self._last_cpu = 0.0
        self._lock = asyncio.Lock()

    def _info(self, degraded: bool = False) -> NodeInfo:
        pulled = sum(1 for s in self._specs if self.holds(s.key.camera_id))
        return NodeInfo(
            name=self.node_name,
            url=self.node_url,
            started=self._started,
            heartbeat=time.time(),
            capacity=self.config.capacity,
            cameras=pulled,
            viewers=self._viewers(),
            cpu=self._last_cpu,
            degraded=degraded,
            pid=os.getpid(),
        )

    def holds(self, camera_id: int) -> bool:
        raise NotImplementedError

    def handed_over(self, camera_id: int) -> bool:
        """The site still pulls the camera, but not here: its lease moved to another node (or
        was lost), whose own states now speak for it."""
        return camera_id in self._pulled and not self.holds(camera_id)

    def _set_specs(self, specs: Iterable[StreamSpec]) -> None:
        self._specs = list(specs)
        self._pulled = frozenset(s.key.camera_id for s in self._specs)

    async def _apply_local(self) -> None:
        async with self._lock:
            ingest = self._ingest()
            if ingest is not None:
                await ingest.apply([s for s in self._specs if self.holds(s.key.camera_id)])


class LocalSite(_Base):
    """One process, every camera local (the memory backend)."""

    sessions: SiteSessions | None = None  # the relay's own caps are the site's

    @property
    def degraded(self) -> bool:
        return False

    def holds(self, camera_id: int) -> bool:
        return True

    def leads(self) -> bool:
        """One process: it speaks for the site."""
        return True

    def route(self, camera_id: int) -> str | None:
        return None

    async def held_elsewhere(self, camera_ids: Collection[int]) -> set[int]:
        return set()

    async def apply(self, specs: Iterable[StreamSpec]) -> None:
        self._set_specs(specs)
        await self._apply_local()

    async def nodes(self) -> list[dict[str, Any]]:
        self._last_cpu = self._cpu.read()
        return [self._info().to_dict(time.time(), self.config.lease_ms / 1000)]

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class RedisSite(_Base):
    """A node of a site shared through Redis; `start()`/`stop()` own its tick task."""

    def __init__(
        self,
        config: SiteConfig,
        name: str,
        url: str,
        redis_url: str,
        ingest: Callable[[], IngestTarget | None],
        viewers: Callable[[], int],
        health: HealthRegistry,
    ) -> None:
        super().__init__(config, name, url, ingest, viewers, health)
        self._redis = aioredis.Redis.from_url(
            redis_url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
        )
        prefix = config.prefix()
        self.leases = LeaseStore(self._redis, prefix, name, config.lease_ms)
        self.registry = NodeRegistry(self._redis, prefix)
        self.sessions = SiteSessions(self._redis, prefix, config.lease_ms)
        self.proxy = NodeProxy(name)
        self._held: dict[int, int] = {}  # camera id → fencing token
        self._owners: dict[int, tuple[str, int]] = {}
        self._live: dict[str, NodeInfo] = {}
        self._free_since: dict[int, float] = {}
        self._planner = Planner()
        self._site_health = SiteHealth(health, lambda cam: self._owners.get(cam, ("",))[0] or None)
        self.health_view = self._site_health
        self._health_key = prefix + "health"
        self._degraded = False
        self._leads = False  # until the first tick has seen the live nodes
        self._quiet_until = 0.0  # after Redis returns: renew only, let every node reclaim first
        self._kick = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0
        self.moves = 0  # leases taken by this node (for the rebalance figures)

    @property
    def degraded(self) -> bool:
        return self._degraded

    @property
    def redis_ops(self) -> int:
        return self.leases.ops + self.registry.ops + self.sessions.ops

    def holds(self, camera_id: int) -> bool:
        return camera_id in self._held

    def leads(self) -> bool:
        """Whether this node speaks for the site (site-wide alerts): the live node with the
        smallest name, as of the last tick. While Redis is away the last answer stands."""
        return self._leads

    def held(self) -> dict[int, int]:
        return dict(self._held)

    def route(self, camera_id: int) -> str | None:
        """None: served here (held, or not a camera the site pulls); else the owner's URL.
        Raises Unavailable while the camera has no live owner (it is moving)."""
        if not self.handed_over(camera_id):
            return None
        owner = self._owners.get(camera_id)
        node = self._live.get(owner[0]) if owner else None
        if node is None or node.name == self.node_name:
            raise Unavailable(
                f"camera {camera_id} is moving to another node of the site; try again",
                headers={"Retry-After": "2"},
            )
        return node.url

    async def apply(self, specs: Iterable[StreamSpec]) -> None:
        self._set_specs(specs)
        await self._apply_local()
        self._kick.set()

    async def held_elsewhere(self, camera_ids: Collection[int]) -> set[int]:
        """Those of `camera_ids` leased now by another live node (read from Redis; raises
        RedisError when it cannot be reached). A lease under this node's own name is a
        predecessor's (a crash and restart), not another node's."""
        now, lease_s = time.time(), self.config.lease_ms / 1000
        live = {n.name for n in await self.registry.all() if now - n.heartbeat < lease_s}
        live.discard(self.node_name)
        owners = await self.leases.owners(camera_ids)
        return {cam for cam, (node, _) in owners.items() if node in live}

    async def nodes(self) -> list[dict[str, Any]]:
        try:
            found = await self.registry.all()
        except RedisError:
            raise Unavailable(
                "the site's shared state (Redis) cannot be reached", headers={"Retry-After": "5"}
            ) from None
        now, lease_s = time.time(), self.config.lease_ms / 1000
        return [n.to_dict(now, lease_s) for n in found]

    async def start(self) -> None:
        await self.proxy.start()
        self._task = asyncio.create_task(self._run(), name="site-membership")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(RedisError, OSError):
            async with asyncio.timeout(2 * REDIS_TIMEOUT_S):
                await self.leases.release(self._held)  # the others need not wait
                await self.registry.leave(self.node_name)
                await self.sessions.close()  # nor for this node's viewers to lapse
        self.sessions.closed = True  # also when Redis did not answer: its client closes next
        self._held.clear()
        await self.proxy.stop()
        await self._redis.aclose()

    async def _run(self) -> None:
        period = self.config.tick_ms / 1000
        while True:
            try:
                await self.tick()
            except (RedisError, OSError) as exc:
                if not self._degraded:
                    log.error(
                        "site: Redis unreachable (%s): DEGRADED, keeping the %d cameras held, "
                        "taking no new ones",
                        type(exc).__name__,
                        len(self._held),
                    )
                self._degraded = True
            except Exception:
                log.exception("site: tick failed")
            self._kick.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), period)

    async def tick(self) -> None:
        """One round: heartbeat, renew, rebalance, apply what changed to ingest."""
        self._last_cpu = self._cpu.read()
        await self.registry.beat(self._info())
        now, lease_s = time.time(), self.config.lease_ms / 1000
        live = {n.name: n for n in await self.registry.all() if now - n.heartbeat < lease_s}
        self._leads = min(live, default=self.node_name) == self.node_name
        before = set(self._held)
        self._held = await self.leases.renew(self._held)
        await self.sessions.renew()  # this node's viewers keep counting site-wide
        for lost in before - set(self._held):
            log.warning("site: lost the lease on camera %d; no longer pulling it", lost)
        if self._degraded:
            log.warning("site: Redis is back; reclaiming the %d cameras held", len(self._held))
            self._quiet_until = time.monotonic() + lease_s
        self._degraded = False
        wanted = self._pulled  # immutable: the tick plans one snapshot even if apply() runs
        owners = await self.leases.owners(wanted)
        quiet = time.monotonic() < self._quiet_until
        holders = {cam: owner[0] for cam, owner in owners.items()}
        holders.update(dict.fromkeys(self._held, self.node_name))
        assigned = self._planner.plan(
            wanted, {name: n.capacity for name, n in live.items()}, holders
        )
        release = {c: t for c, t in self._held.items() if c not in wanted}
        acquire: list[int] = []
        for cam in wanted:
            win = assigned.get(cam)
            if quiet:
                continue
            if cam in self._held:
                if win is not None and win != self.node_name:
                    release[cam] = self._held[cam]
            elif cam not in owners:
                first = self._free_since.setdefault(cam, now)
                if win == self.node_name or now - first >= lease_s:
                    acquire.append(cam)
            else:
                self._free_since.pop(cam, None)
        if release:
            await self.leases.release(release)
            for cam in release:
                self._held.pop(cam, None)
                owners.pop(cam, None)
        got = await self.leases.acquire(acquire)
        for cam, token in got.items():
            self._held[cam] = token
            owners[cam] = (self.node_name, token)
            self._free_since.pop(cam, None)
        self.moves += len(got)
        self._owners, self._live = owners, live
        await self._share_health(released=list(release))
        self.ticks += 1
        if set(self._held) != before:
            await self._apply_local()

    async def _share_health(self, released: list[int]) -> None:
        """Write the states of the streams pulled here, read everyone's (one round trip)."""
        mine = [h for h in self.local_health.all() if h.key.camera_id in self._held]
        pipe = self._redis.pipeline(transaction=False)
        if released:
            pipe.hdel(self._health_key, *(f"{c}:{s}" for c in released for s in ("main", "sub")))
        if mine:
            pipe.hset(self._health_key, mapping=encode(self.node_name, mine))  # type: ignore[arg-type]
        pipe.hgetall(self._health_key)
        self.registry.ops += 1 + bool(released) + bool(mine)
        results = await pipe.execute()
        self._site_health.remote = decode(results[-1])


def build_site(
    config: SiteConfig,
    *,
    backend: str,
    redis_url: str,
    host: str,
    port: int,
    ingest: Callable[[], IngestTarget | None],
    viewers: Callable[[], int],
    health: HealthRegistry,
) -> LocalSite | RedisSite:
    """The site for the configured state backend."""
    name, url = node_identity(config, host, port)
    if backend == "redis":
        return RedisSite(config, name, url, redis_url, ingest, viewers, health)
    return LocalSite(config, name, url, ingest, viewers, health)
