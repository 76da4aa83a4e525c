"""Export packing and verification speed: how long a site waits for an export of N MB of clips
to be hashed, signed and packed, and a recipient for `vms evidence verify` to check it.

    python bench/evidence_bench.py [--mb 50,200] [--files 4]

The clips are random bytes (hashing and packing do not look inside an MP4). Prints a Markdown
table for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vms.evidence.manifest import ManifestFile, build_manifest
from vms.evidence.package import MANIFEST, PUBLIC_KEY, SIGNATURE, Entry, pack, sha256_file
from vms.evidence.signing import fingerprint, public_pem
from vms.evidence.verify import verify_export


def run(total_mb: int, files: int, root: Path) -> tuple[float, float, float]:
    """(export seconds, verify seconds with the key, CPU seconds of both)."""
    key = Ed25519PrivateKey.generate()
    paths = []
    for i in range(files):
        path = root / f"camera-{i}-main.mp4"
        with path.open("wb") as out:
            for _ in range(total_mb // files):
                out.write(os.urandom(1024 * 1024))
        paths.append(path)
    now = datetime.now(UTC)
    cpu0, t0 = time.process_time(), time.perf_counter()
    listed = [
        ManifestFile(p.name, i, "main", now, now, p.stat().st_size, sha256_file(p))
        for i, p in enumerate(paths)
    ]
    manifest = build_manifest("bench", now, {"id": 1}, listed, fingerprint(key.public_key()))
    entries = [Entry(p.name, path=p) for p in paths] + [
        Entry(MANIFEST, data=manifest),
        Entry(SIGNATURE, data=key.sign(manifest)),
        Entry(PUBLIC_KEY, data=public_pem(key.public_key())),
    ]
    zip_path = root / "export.zip"
    pack(zip_path, entries)
    t1 = time.perf_counter()
    verify_export(zip_path, public_pem(key.public_key()))
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, time.process_time() - cpu0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", default="50,200", help="total clip sizes to try, MB")
    parser.add_argument("--files", type=int, default=4, help="clips per export")
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")  # fmt: skip
    print("| clips MB | files | export s | export MB/s | verify s | verify MB/s | CPU s |")
    print("|---|---|---|---|---|---|---|")
    for mb in (int(x) for x in args.mb.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            export_s, verify_s, cpu = run(mb, args.files, Path(tmp))
        print(f"| {mb} | {args.files} | {export_s:.2f} | {mb / export_s:.0f} | "
              f"{verify_s:.2f} | {mb / verify_s:.0f} | {cpu:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
