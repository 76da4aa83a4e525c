"""The export container: a zip in one canonical form, so that every byte of it is checked.

Entries are stored (MP4 does not compress), in a fixed order, with fixed timestamps and
attributes. The verifier re-packs what it read and compares: any byte changed outside the
files themselves (headers, directory) makes the two differ, and any byte inside them breaks a
hash or the signature.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
PUBLIC_KEY = "public-key.pem"
_EPOCH = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Entry:
    """One member: its name and where its bytes come from (a file, or bytes in memory)."""

    name: str
    path: Path | None = None
    data: bytes | None = None

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size

    @contextmanager
    def reader(self) -> Iterator[BinaryIO]:
        if self.data is not None:
            import io

            yield io.BytesIO(self.data)
            return
        assert self.path is not None
        with self.path.open("rb") as fh:
            yield fh


def _info(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    info.file_size = size
    return info


def write_canonical(out: BinaryIO, entries: Iterable[tuple[str, int, BinaryIO]]) -> None:
    """Pack (name, size, stream) entries into `out` (seekable) in the canonical form."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, size, stream in entries:
            with zf.open(_info(name, size), "w") as member:
                shutil.copyfileobj(stream, member, _CHUNK)


def pack(dest: Path, entries: list[Entry]) -> None:
    """Write the export zip to `dest` (blocking)."""

    def members() -> Iterator[tuple[str, int, BinaryIO]]:
        for entry in entries:
            with entry.reader() as stream:
                yield entry.name, entry.size(), stream

    with dest.open("wb") as out:
        write_canonical(out, members())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
