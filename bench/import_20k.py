"""Import of a 20,000-row agency inventory: dry run, then apply (one transaction), through the
API of an in-process app (upload, parse, validate, diff, write, commit), on SQLite or
PostgreSQL. Rows are in the form agencies keep them (Thai headers, coordinates in one cell,
"2MP", BE dates, a status word). Prints wall-clock and CPU seconds per step (CPU: this
process, server included, so a busy machine inflates it less than the wall clock) and rows
per second, and the load average.

    python -m bench.import_20k --rows 20000 --format xlsx
    python -m bench.import_20k --rows 20000 --format csv --db postgresql+psycopg://127.0.0.1/test
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from samples.make_agency_sheets import PATONG_HEADERS, csv_bytes, xlsx
from tests.api.conftest import sign_in
from vms.app import create_app
from vms.auth.roles import Role
from vms.config import load_settings
from vms.credentials.keys import create_key_file
from vms.db.models.registry import Agency

STATES = ("ใช้งานได้", "ชำรุด", "รอซ่อม", "ใช้งานได้")
RESOLUTIONS = ("2MP", "4MP", "Full HD", "1080p", "๒MP", "1920*1080")


def rows(count: int) -> list[list[Any]]:
    return [
        [i, f"BIG-{i:05d}", f"จุดติดตั้งที่ {i}", "กะทู้", "ป่าตอง",
         f"{7.8 + (i % 300) / 1000:.4f}, {98.28 + (i % 200) / 1000:.4f}",
         RESOLUTIONS[i % len(RESOLUTIONS)], "Hikvision", STATES[i % len(STATES)],
         f"{1 + i % 28}/{1 + i % 12}/256{i % 7}", f"rtsp://127.0.0.1:8554/cam/{i}/main", "-",
         "เมื่อเรียกดู"]  # on demand: the applied cameras are not pulled during the bench
        for i in range(1, count + 1)
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="xlsx")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    made = time.perf_counter()
    headers = [*PATONG_HEADERS, "โหมดดึงภาพ"]
    data = (xlsx if args.format == "xlsx" else csv_bytes)(headers, rows(args.rows))
    print(f"{args.rows} rows, {args.format}, {len(data) / 1e6:.1f} MB "
          f"(made in {time.perf_counter() - made:.1f} s)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/bench.db"
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        if url.startswith("postgresql"):
            admin = create_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            url += f"?options=-csearch_path%3D{schema}"
        key_file = Path(tmp) / "credential.keys"  # a throwaway site key (nothing kept)
        create_key_file(key_file)
        settings = load_settings(
            None,
            database={"url": url},
            ingest={"camera_networks": ["127.0.0.0/8"]},
            credentials={"key_file": str(key_file)},
        )
        with TestClient(create_app(settings)) as client:
            services = client.app.state.services  # type: ignore[attr-defined]
            with services.db.session() as session:
                agency = Agency(code="BIG", kind="municipality", name_th="เทศบาลทดสอบ")
                session.add(agency)
                session.flush()
                agency_id = agency.id
            sign_in(client, Role.AGENCY_ADMIN, agency_id)
            files = {"file": (f"big.{args.format}", data, "application/octet-stream")}
            mapping = '{"columns": {"ผู้ดูแล": "notes"}}'
            for step, dry in (
                ("dry run", "true"),
                ("apply", "false"),
                ("again (unchanged)", "true"),
            ):
                start, cpu = time.perf_counter(), time.process_time()
                r = client.post("/api/v1/cameras/import", files=files,
                                data={"dry_run": dry, "mapping": mapping})  # fmt: skip
                took, cpu = time.perf_counter() - start, time.process_time() - cpu
                report = r.json()
                assert r.status_code == 200 and not report["errors"], r.text[:500]
                print(f"{step:18s} {took:6.1f} s wall {cpu:6.1f} s CPU  "
                      f"{args.rows / took:6.0f} rows/s  created {report['created']} "
                      f"unchanged {report['unchanged']}")  # fmt: skip
    if args.db and args.db.startswith("postgresql"):
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    print(f"machine: {platform.node()} {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
          f"python {platform.python_version()}, db {url.split(':', 1)[0]}")  # fmt: skip


if __name__ == "__main__":
    main()
