"""Benchmark: the daily uptime report of a large site, from the database.

Seeds N cameras (main streams) in M agencies with one outage per camera per hour (48 state
changes a camera a day), then times `build_report` over the day and each format's rendering.

    python bench/uptime_report.py [--cameras 1000] [--agencies 40] [--url sqlite:///...]

Prints one JSON object: rows, seconds per step.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.registry import Agency, Camera
from vms.db.models.stream_states import StreamStateChange
from vms.uptime.formats import to_csv, to_pdf, to_xlsx
from vms.uptime.report import build_report

DAY = datetime(2026, 12, 1, tzinfo=UTC)


def seed(db: Database, cameras: int, agencies: int) -> int:
    with db.session() as s:
        ids = []
        for a in range(agencies):
            agency = Agency(code=f"AG-{a:03d}", kind="municipality", name_th=f"หน่วยงาน {a}")
            s.add(agency)
            s.flush()
            ids.append(agency.id)
        rows = [
            {"code": f"CAM-{n:05d}", "name_th": f"กล้อง {n}", "agency_id": ids[n % agencies],
             "main_url": f"rtsp://127.0.0.1/{n}", "search_text": ""}
            for n in range(cameras)
        ]  # fmt: skip
        s.execute(insert(Camera), rows)
        camera_ids = [c.id for c in s.query(Camera.id)]
        changes = []
        for cam in camera_ids:
            for hour in range(24):
                start = DAY + timedelta(hours=hour)
                down = start + timedelta(minutes=(cam * 7 + hour) % 50)
                changes.append({"camera_id": cam, "stream": "main", "state": "online", "at": start})
                changes.append({"camera_id": cam, "stream": "main", "state": "offline",
                                "reason": "camera unreachable", "at": down})  # fmt: skip
        s.execute(insert(StreamStateChange), changes)
        return len(changes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cameras", type=int, default=1000)
    parser.add_argument("--agencies", type=int, default=40)
    parser.add_argument("--url", help="database URL (default: a SQLite file in a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(args.url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(db.engine)
        out: dict[str, object] = {"cameras": args.cameras, "agencies": args.agencies}
        t = time.perf_counter()
        out["rows"] = seed(db, args.cameras, args.agencies)
        out["seed_s"] = round(time.perf_counter() - t, 2)
        with db.session() as session:
            t = time.perf_counter()
            report = build_report(
                session, start=DAY, end=DAY + timedelta(days=1), agency_ids=None,
                now=DAY + timedelta(days=2), site_name="bench",
            )  # fmt: skip
            out["build_s"] = round(time.perf_counter() - t, 3)
        out["site_availability_pct"] = round((report.total.availability or 0) * 100, 2)
        for name, render in (("csv", to_csv), ("xlsx", to_xlsx), ("pdf", to_pdf)):
            t = time.perf_counter()
            data = render(report)
            out[f"{name}_s"] = round(time.perf_counter() - t, 3)
            out[f"{name}_kib"] = len(data) // 1024
        db.dispose()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
