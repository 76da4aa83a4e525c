"""Verifies an export: the manifest's signature, every file's SHA-256 and size, and that the
zip is exactly the canonical packing of what it holds (so a flipped byte anywhere is found)."""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from vms.evidence.package import MANIFEST, PUBLIC_KEY, SIGNATURE, write_canonical
from vms.evidence.signing import fingerprint, load_public_pem, signature_valid

_CHUNK = 1024 * 1024


class VerifyFailed(Exception):
    """The export does not verify; the message names what failed."""


@dataclass(frozen=True, slots=True)
class Verified:
    """What a successful verification checked."""

    files: list[str]
    key_fingerprint: str
    key_given: bool
    manifest: dict[str, Any] = field(repr=False)


def verify_export(path: Path, public_key_pem: bytes | None = None) -> Verified:
    """Check `path`; raise VerifyFailed naming the first thing that does not hold.

    With `public_key_pem` the signature must be by that key (the site's, obtained out of band);
    without it, by the key packed in the export, which proves integrity but not origin."""
    try:
        with zipfile.ZipFile(path) as zf:
            return _verify_open(path, zf, public_key_pem)
    except VerifyFailed:
        raise
    except Exception as exc:  # zipfile answers damage with many types (flags, sizes, CRCs)
        raise VerifyFailed(f"the zip container is damaged: {exc}") from None


def _read(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        raise VerifyFailed(f"{name} is missing from the export") from None
    except zipfile.BadZipFile as exc:
        raise VerifyFailed(f"{name} is damaged: {exc}") from None


def _verify_open(path: Path, zf: zipfile.ZipFile, public_key_pem: bytes | None) -> Verified:
    manifest_bytes = _read(zf, MANIFEST)
    signature = _read(zf, SIGNATURE)
    packed_pem = _read(zf, PUBLIC_KEY)
    try:
        packed_key = load_public_pem(packed_pem)
    except ValueError:
        raise VerifyFailed(f"{PUBLIC_KEY} in the export is not a valid Ed25519 key") from None
    key = packed_key
    if public_key_pem is not None:
        try:
            key = load_public_pem(public_key_pem)
        except ValueError:
            raise VerifyFailed("the given public key is not an Ed25519 public key") from None
    if not signature_valid(key, signature, manifest_bytes):
        whose = "the given public key" if public_key_pem is not None else f"its {PUBLIC_KEY}"
        raise VerifyFailed(
            f"signature: the manifest's signature does not verify with {whose} "
            f"(fingerprint {fingerprint(key)[:16]}); "
            "wrong key, or the manifest or signature was altered"
        )
    if public_key_pem is not None and fingerprint(packed_key) != fingerprint(key):
        raise VerifyFailed(f"{PUBLIC_KEY} in the export is not the given public key")
    try:
        manifest = json.loads(manifest_bytes)
        listed = [(f["name"], int(f["bytes"]), str(f["sha256"])) for f in manifest["files"]]
    except (ValueError, KeyError, TypeError):
        raise VerifyFailed(f"{MANIFEST} is not a valid manifest") from None
    expected = [name for name, _, _ in listed] + [MANIFEST, SIGNATURE, PUBLIC_KEY]
    if zf.namelist() != expected:
        raise VerifyFailed(
            f"the export holds {zf.namelist()}, the manifest lists {expected}: "
            "a file was added, removed or renamed"
        )
    for name, size, sha256 in listed:
        digest, got = _hash_member(zf, name)
        if got != size:
            raise VerifyFailed(f"{name}: {got} bytes, the manifest says {size}")
        if digest != sha256:
            raise VerifyFailed(f"{name}: SHA-256 {digest} does not match the manifest's {sha256}")
    _check_canonical(path, zf)
    names = [n for n, _, _ in listed]
    return Verified(names, fingerprint(key), public_key_pem is not None, manifest)


def _hash_member(zf: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with zf.open(name) as member:
            while chunk := member.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except zipfile.BadZipFile as exc:
        raise VerifyFailed(f"{name} is damaged: {exc}") from None
    return digest.hexdigest(), size


def _check_canonical(path: Path, zf: zipfile.ZipFile) -> None:
    """Re-pack the verified members; the export's bytes must be exactly that packing."""

    def members() -> Iterator[tuple[str, int, BinaryIO]]:
        for info in zf.infolist():
            with zf.open(info) as member:
                yield info.filename, info.file_size, member  # type: ignore[misc]

    with tempfile.TemporaryFile() as rebuilt:
        write_canonical(rebuilt, members())
        rebuilt.seek(0)
        with path.open("rb") as original:
            offset = _first_difference(original, rebuilt)
    if offset is not None:
        raise VerifyFailed(
            f"the zip container was altered outside its files (first difference at byte "
            f"{offset}): headers or directory do not match the canonical packing"
        )


def _first_difference(a: BinaryIO, b: BinaryIO) -> int | None:
    offset = 0
    while True:
        x, y = a.read(_CHUNK), b.read(_CHUNK)
        if x != y:
            for i, (p, q) in enumerate(zip(x, y, strict=False)):
                if p != q:
                    return offset + i
            return offset + min(len(x), len(y))
        if not x:
            return None
        offset += len(x)
