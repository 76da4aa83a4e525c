"""Sharded ingest against the camera simulator: same packets as in process, health, a shard
killed with SIGKILL comes back, stop leaves no child, credentials stay off command lines."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from camsim import SimulatorThread
from ingest.config import IngestConfig
from ingest.frame_bus import FrameBus
from ingest.health import HealthRegistry, StreamState
from ingest.packet import EncodedPacket, StreamKey
from ingest.spec import StreamSpec
from ingest.supervisor import IngestSupervisor
from tests.ingest.conftest import eventually

FAST = {"connect_timeout_s": 3, "stall_timeout_s": 2, "backoff_initial_s": 0.2, "backoff_max_s": 1}
FAST["camera_networks"] = ["127.0.0.0/8"]  # camsim on loopback
KEYS = [StreamKey(i, "main") for i in (1, 2, 3, 4)]


@pytest.fixture
async def supervisors() -> AsyncIterator[list[IngestSupervisor]]:
    made: list[IngestSupervisor] = []
    yield made
    for sup in made:
        await sup.stop()


async def started(made: list[IngestSupervisor], **config: object) -> IngestSupervisor:
    sup = IngestSupervisor(IngestConfig.model_validate(FAST | config), FrameBus(), HealthRegistry())
    made.append(sup)
    await sup.start()
    return sup


def online(sup: IngestSupervisor, keys: list[StreamKey]) -> bool:
    return all((h := sup.health.get(k)) is not None and h.state == StreamState.ONLINE for k in keys)


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


async def take(sup: IngestSupervisor, key: StreamKey, n: int) -> list[EncodedPacket]:
    sub = sup.bus.channel(key).subscribe(maxsize=1000)
    try:
        return [await asyncio.wait_for(sub.get(), 15) for _ in range(n)]
    finally:
        sub.close()


async def test_same_packets_as_in_process(
    supervisors: list[IngestSupervisor], camsim: SimulatorThread
) -> None:
    specs = [StreamSpec(k, camsim.url(k.camera_id)) for k in KEYS]
    local = await started(supervisors, shards=0)
    sharded = await started(supervisors, shards=2, streams_per_shard=2)
    await local.apply(specs)
    await sharded.apply(specs)
    await eventually(lambda: online(local, KEYS) and online(sharded, KEYS), what="all online")
    assert len(sharded.shard_pids()) == 2 and local.shard_pids() == []
    assert sharded.is_running(KEYS[0]) and sharded.specs() == specs

    for key in KEYS:
        theirs, ours = await asyncio.gather(take(local, key, 45), take(sharded, key, 30))
        assert ours[0].is_keyframe
        assert all(b.pts > a.pts for a, b in itertools.pairwise(ours))
        start = [p.data for p in theirs].index(ours[0].data)
        same = theirs[start : start + len(ours)]
        assert len(same) >= 15, "the two pulls are too far apart to compare"
        assert [(p.data, p.is_keyframe, p.codec) for p in ours[: len(same)]] == [
            (p.data, p.is_keyframe, p.codec) for p in same
        ]
        steps = {b.pts - a.pts for a, b in itertools.pairwise(ours)}
        assert steps == {b.pts - a.pts for a, b in itertools.pairwise(same)}
        a, b = local.bus.get(key), sharded.bus.get(key)
        assert a is not None and b is not None and a.info == b.info and b.info is not None
        h = sharded.health.get(key)
        assert h is not None and h.codec == "h264" and h.width == 320 and h.packets > 0


async def test_killed_shard_comes_back(
    supervisors: list[IngestSupervisor], camsim: SimulatorThread
) -> None:
    sup = await started(supervisors, shards=1, streams_per_shard=2)
    reasons: list[str | None] = []
    sup.health.add_listener(lambda h: reasons.append(h.reason))
    await sup.apply([StreamSpec(k, camsim.url(k.camera_id)) for k in KEYS[:2]])
    await eventually(lambda: online(sup, KEYS[:2]), what="online")
    (pid,) = sup.shard_pids()
    before = (await take(sup, KEYS[0], 3))[-1].pts

    os.kill(pid, signal.SIGKILL)
    await eventually(
        lambda: any(r and "killed by SIGKILL" in r for r in reasons), what="offline with reason"
    )
    await eventually(lambda: online(sup, KEYS[:2]), within_s=30, what="back online")
    assert sup.shard_pids() != [pid] and len(sup.shard_pids()) == 1
    health = sup.health.get(KEYS[0])
    assert health is not None and health.reconnects >= 1
    after = await take(sup, KEYS[0], 20)
    assert all(p.pts > before for p in after[-10:]), "pts went back after the restart"


async def test_stop_leaves_no_child_and_keeps_credentials_off_the_command_line(
    camsim: SimulatorThread,
) -> None:
    sup = IngestSupervisor(
        IngestConfig.model_validate(FAST | {"shards": 3}), FrameBus(), HealthRegistry()
    )
    await sup.start()
    try:
        specs = [
            StreamSpec(k, camsim.url(k.camera_id), username="viewer", password="S3cr3t-pw")
            for k in KEYS[:3]
        ]
        await sup.apply(specs)
        await eventually(lambda: len(sup.shard_pids()) == 3, what="three shards")
        pids = sup.shard_pids()
        for pid in pids:
            assert b"S3cr3t-pw" not in Path(f"/proc/{pid}/cmdline").read_bytes()
            assert b"S3cr3t-pw" not in Path(f"/proc/{pid}/environ").read_bytes()
        await sup.apply(specs[:1])  # removed streams stop in their shards
        assert not sup.is_running(KEYS[1]) and sup.is_running(KEYS[0])
    finally:
        await asyncio.wait_for(sup.stop(), 8)
    assert not any(alive(pid) for pid in pids)
    assert sup.shard_pids() == [] and not sup.is_running(KEYS[0])


async def test_shard_children_apply_the_camera_networks(
    supervisors: list[IngestSupervisor], camsim: SimulatorThread
) -> None:
    """The URL policy travels with the config to child processes: a camera outside the
    networks is refused there before any connection, the same as in process."""
    key = KEYS[0]
    sharded = await started(supervisors, shards=1, camera_networks=["10.0.0.0/8"])
    await sharded.apply([StreamSpec(key, camsim.url(key.camera_id))])

    def refused() -> bool:
        health = sharded.health.get(key)
        return health is not None and health.state == StreamState.ERROR

    await eventually(refused, what="refused by the child")
    health = sharded.health.get(key)
    assert health is not None and health.reason is not None
    assert "camera networks" in health.reason
    assert len(sharded.shard_pids()) == 1
