"""Retention on real segments and a real database: oldest first, by bytes (a tiny quota) and
by age, never a segment under an evidence lock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from ingest.frame_bus import FrameBus
from tests.recording.conftest import T0, PacketMaker, Rig
from vms.access import as_utc
from vms.db.models.recording import RecordingGap, RecordingLock, RecordingSegment
from vms.events import InProcessEventBus
from vms.recording.retention import apply_retention
from vms.recording.segmenter import Segmenter
from vms.recording.service import RecordingService
from vms.recording.store import ticks_to_time


def _record(rig: Rig, packets: PacketMaker) -> list[RecordingSegment]:
    seg = Segmenter(rig.store, rig.camera_id, "main", rig.config)
    for p in packets(150):  # segments of 4, 4 and 2 s
        seg.feed(p)
    seg.close()
    return _rows(rig)


def _rows(rig: Rig) -> list[RecordingSegment]:
    with rig.store.db.session() as session:
        return list(session.scalars(select(RecordingSegment).order_by(RecordingSegment.start)))


def test_a_tiny_quota_deletes_the_oldest_first(rig: Rig, packets: PacketMaker) -> None:
    rows = _record(rig, packets)
    sizes = [r.bytes for r in rows]
    now = ticks_to_time(int(T0 * 90_000)) + timedelta(minutes=1)
    config = rig.config.model_copy(update={"max_bytes": sizes[2] + sizes[1]})
    result = apply_retention(rig.store, config, now)
    assert result.deleted == 1 and result.freed_bytes == sizes[0]
    assert [r.id for r in _rows(rig)] == [rows[1].id, rows[2].id]
    assert not rig.store.absolute(rows[0].path).exists()
    assert rig.store.absolute(rows[1].path).exists()


def test_locked_ranges_are_kept_even_over_quota(rig: Rig, packets: PacketMaker) -> None:
    rows = _record(rig, packets)
    t0 = ticks_to_time(int(T0 * 90_000))
    with rig.store.db.session() as session:
        session.add(
            RecordingLock(
                camera_id=rig.camera_id,
                stream=None,
                start=t0 + timedelta(seconds=1),
                end=t0 + timedelta(seconds=2),
                reason="case 2026/114",
            )
        )
    config = rig.config.model_copy(update={"max_bytes": 1})
    result = apply_retention(rig.store, config, t0 + timedelta(minutes=1))
    assert result.kept_locked == 1 and result.deleted == 2
    (kept,) = _rows(rig)
    assert kept.id == rows[0].id and rig.store.absolute(kept.path).exists()


def test_by_age(rig: Rig, packets: PacketMaker) -> None:
    rows = _record(rig, packets)
    t0 = ticks_to_time(int(T0 * 90_000))
    rig.store.add_gap(rig.camera_id, "main", t0 - timedelta(seconds=9), t0, "camera offline")
    config = rig.config.model_copy(update={"retention_days": 1.0})
    # a day after the second segment ended, before the third did
    now = as_utc(rows[1].end) + timedelta(days=1, seconds=1)
    assert apply_retention(rig.store, config, now).deleted == 2
    assert [r.id for r in _rows(rig)] == [rows[2].id]
    with rig.store.db.session() as session:
        assert list(session.scalars(select(RecordingGap))) == []  # older than kept: gone


@pytest.mark.parametrize("leads", [True, False])
async def test_only_the_node_that_leads_the_site_runs_retention(rig: Rig, leads: bool) -> None:
    """Every node of a site shares one recordings index: one of them prunes it."""
    config = rig.config.model_copy(update={"retention_interval_s": 0.1})
    service = RecordingService(
        config, rig.store.db, FrameBus(), InProcessEventBus(), leads=lambda: leads
    )
    await service.start()
    try:
        for _ in range(30):
            await asyncio.sleep(0.1)
            if service.last_retention is not None:
                break
    finally:
        await service.stop()
    assert (service.last_retention is not None) is leads
