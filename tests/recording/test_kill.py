"""A real `vms serve` process recording a real simulated camera is killed with SIGKILL and
started again: the lost stretch is a gap marked "server restart" and bounded, the segment the
kill cut is closed at its last whole part, and ffprobe reads every file."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from camsim import SimConfig, SimulatorThread
from tests.fixtures_camsim import CHEAP_CAMERAS
from tests.serve_process import ServeProcess, until
from vms.access import as_utc
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.recording import RecordingGap, RecordingSegment
from vms.db.models.registry import Agency, Camera


def _seed(url: str, camera_url: str) -> int:
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    db = Database(url)
    try:
        with db.session() as s:
            agency = Agency(code="PKT-PAO", kind="provincial_admin_org", name_en="PAO")
            s.add(agency)
            s.flush()
            cam = Camera(code="CAM-REC", name_en="Pier", agency_id=agency.id,
                         main_url=camera_url, central_link=True)  # fmt: skip
            s.add(cam)
            s.flush()
            return cam.id
    finally:
        db.dispose()


class Server(ServeProcess):
    """One `vms serve` child process recording into `directory`."""

    def __init__(self, url: str, directory: Path) -> None:
        super().__init__({
            "VMS_DATABASE__URL": url,
            "VMS_INGEST__CAMERA_NETWORKS": json.dumps(["127.0.0.0/8"]),
            "VMS_RECORDING__DIRECTORY": str(directory),
            "VMS_RECORDING__SEGMENT_S": "3",
        })  # fmt: skip
        self.directory = directory


@pytest.fixture
def recording_site(tmp_path: Path) -> Iterator[tuple[Server, Database, int]]:
    sim = SimulatorThread(SimConfig(**(CHEAP_CAMERAS | {"cameras": 1})))
    sim.start()
    url = f"sqlite:///{tmp_path / 'vms.db'}"
    server = Server(url, tmp_path / "recordings")
    db = Database(url)
    try:
        cam = _seed(url, sim.url(1, "main"))
        server.start()
        yield server, db, cam
    finally:
        server.stop()
        db.dispose()
        sim.stop()


def _segments(db: Database) -> list[RecordingSegment]:
    with db.session() as s:
        return list(s.scalars(select(RecordingSegment).order_by(RecordingSegment.start)))


def test_kill_nine_is_a_bounded_marked_gap_and_every_file_reads(
    recording_site: tuple[Server, Database, int],
) -> None:
    server, db, _cam = recording_site
    until(lambda: any(s.state == "closed" for s in _segments(db)), 40, "a closed segment")
    time.sleep(1.5)  # into the next segment: whole parts on disk, the newest in memory
    server.kill9()
    killed_at = time.time()
    cut = [s for s in _segments(db) if s.state == "open"]
    assert len(cut) == 1  # the kill left one segment open
    server.start()
    until(
        lambda: any(as_utc(s.start).timestamp() > killed_at for s in _segments(db)),
        40,
        "recording after the restart",
    )
    with db.session() as s:
        gaps = list(s.scalars(select(RecordingGap)))
    assert [g.reason for g in gaps] == ["server restart"]
    gap = gaps[0]
    lost = (as_utc(gap.end) - as_utc(gap.start)).total_seconds()
    assert 0 < lost < 30  # the restart itself; at most a part of about a second before it
    assert killed_at - 3.0 < as_utc(gap.start).timestamp() < killed_at
    server.stop()  # a clean stop closes what is being written
    segments = _segments(db)
    recovered = next(x for x in segments if x.id == cut[0].id)
    assert recovered.state == "closed" and as_utc(recovered.end) == as_utc(gap.start)
    for seg in segments:
        assert seg.state == "closed"
        path = server.directory / seg.path
        assert path.stat().st_size == seg.bytes
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
             "stream=nb_read_frames", "-of", "csv=p=0", str(path)],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert probe.returncode == 0 and probe.stderr == "", (seg.path, probe.stderr)
        assert int(probe.stdout) > 0
