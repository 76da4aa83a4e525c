"""The optional viewing copy ([evidence] viewing_copy): each export holds the original clip
and a re-encoded copy with the requester, the case and the recorded time burnt in at the
bottom of the picture; the manifest lists both (the copy marked), and the export verifies."""

from __future__ import annotations

import asyncio
import json
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine

from tests.evidence.clip_source import PatternClipSource
from tests.evidence.test_exporter import _seed
from vms.audit import AuditTrail
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.evidence import DataRequest
from vms.evidence.config import EvidenceConfig
from vms.evidence.exporter import Exporter
from vms.evidence.verify import verify_export


def _first_frame_gray(path: Path) -> tuple[bytes, int, int]:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height,nb_frames", "-of", "json", str(path)],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    stream = json.loads(probe.stdout)["streams"][0]
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "gray", "-"],
        capture_output=True, timeout=30, check=True,
    )  # fmt: skip
    return raw.stdout, int(stream["width"]), int(stream["height"])


def _mean_diff(a: bytes, b: bytes, width: int, rows: range) -> float:
    total = sum(abs(a[r * width + c] - b[r * width + c]) for r in rows for c in range(width))
    return total / (len(rows) * width)


async def test_export_holds_the_original_and_a_marked_viewing_copy(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = create_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    db = Database(sqlite_url)
    now = datetime.now(UTC)
    queued, _stale, _fresh = _seed(db, now)
    config = EvidenceConfig(
        signing_key_file=str(tmp_path / "key.pem"),
        export_dir=str(tmp_path / "out"),
        viewing_copy=True,
    )
    source = PatternClipSource(now - timedelta(days=1))
    exporter = Exporter(config, "Phuket", db, AuditTrail(db), lambda: source, sweep_s=3600)
    await exporter.start()
    try:
        await asyncio.wait_for(exporter.idle.wait(), 120)
    finally:
        await exporter.stop()
    try:
        with db.session() as s:
            row = s.get(DataRequest, queued)
            assert row is not None and row.export_state == "ready", row.export_error
            zip_path = Path(config.export_dir) / (row.export_file or "")
            camera = row.cameras[0].camera_id
    finally:
        db.dispose()
    verified = verify_export(zip_path)
    original, copy = f"camera-{camera}-main.mp4", f"viewing-camera-{camera}-main.mp4"
    assert verified.files == [original, copy]
    listed = {f["name"]: f for f in verified.manifest["files"]}
    assert listed[copy]["viewing_copy_of"] == original and listed[copy]["re_encoded"] is True
    assert "re_encoded" not in listed[original]
    out = tmp_path / "unpacked"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(out)
    a, width, height = _first_frame_gray(out / original)
    b, w2, h2 = _first_frame_gray(out / copy)
    assert (width, height) == (w2, h2)
    top = range(0, height // 2)
    bottom = range(height - height // 4, height)
    # the picture is the same above (re-encoding noise only), the text box is at the bottom
    above, below = _mean_diff(a, b, width, top), _mean_diff(a, b, width, bottom)
    assert above < 6 and below > 10 and below > 3 * above, (above, below)
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(out / copy),
            "-frames:v",
            "1",
            "-update",
            "1",
            str(tmp_path / "viewing-copy.png"),
        ],
        check=True,
        timeout=30,
    )  # fmt: skip  (a picture to look at)
