"""`verify_export` and `vms evidence verify` on a real export (produced through the API from
genuine MP4 clips): intact it verifies; one flipped byte anywhere, a wrong key, a swapped,
added or removed file are each found and named."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.api.test_data_requests import body, wait_export
from tests.fixtures_evidence import evidence_world
from vms.cli import main
from vms.evidence.package import MANIFEST, PUBLIC_KEY, SIGNATURE, Entry, pack
from vms.evidence.signing import public_pem
from vms.evidence.verify import VerifyFailed, verify_export

VMS = str(Path(sys.executable).with_name("vms"))


@dataclass(frozen=True)
class Export:
    data: bytes
    public_key: bytes
    clips: list[str]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Export]:
    """One two-camera export, requested, approved and downloaded through the API."""
    root = tmp_path_factory.mktemp("evidence")
    for w in evidence_world(f"sqlite:///{root / 'vms.db'}", root):
        desk = w.client_as("desk_officer", "muni")
        cams = [w.cameras["muni1"], w.cameras["muni2"]]
        rid = desk.post("/api/v1/data-requests", json=body(cams, stream="sub")).json()["id"]
        w.client_as("agency_admin", "muni").post(f"/api/v1/data-requests/{rid}/approve")
        assert wait_export(desk, rid)["state"] == "exported"
        data = desk.get(f"/api/v1/data-requests/{rid}/export").content
        pem = desk.get("/api/v1/evidence/public-key").json()["public_key_pem"].encode()
        yield Export(data, pem, [f"camera-{c}-sub.mp4" for c in cams])


def _write(tmp_path: Path, data: bytes, name: str = "x.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_intact_export_verifies_and_holds_real_mp4s(export: Export, tmp_path: Path) -> None:
    path = _write(tmp_path, export.data)
    result = verify_export(path, export.public_key)
    assert result.files == export.clips and result.key_given
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == [*export.clips, MANIFEST, SIGNATURE, PUBLIC_KEY]
        zf.extract(export.clips[0], tmp_path)
    with av.open(str(tmp_path / export.clips[0])) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264"
        assert (video.codec_context.width, video.codec_context.height) == (160, 96)
        packets = [p for p in container.demux(video) if p.size]
    assert len(packets) == 30  # 3 s at the test pattern's 10 fps, remuxed, not re-encoded
    assert packets[0].is_keyframe


def _offsets(data: bytes) -> list[int]:
    """Every byte outside the clips' payloads (headers, manifest, signature, key, directory,
    end record), and every 31st byte inside the payloads."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        payload: list[range] = []
        for info in zf.infolist():
            if info.filename.endswith(".mp4"):
                start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
                payload.append(range(start, start + info.file_size))
    inside = {i for r in payload for i in r}
    return [i for i in range(len(data)) if i not in inside or i % 31 == 0]


def test_one_flipped_byte_anywhere_is_found(export: Export, tmp_path: Path) -> None:
    offsets = _offsets(export.data)
    assert len(offsets) > 1000
    path = tmp_path / "flipped.zip"
    missed = []
    for offset in offsets:
        damaged = bytearray(export.data)
        damaged[offset] ^= 0x01
        path.write_bytes(damaged)
        try:
            verify_export(path, export.public_key)
        except VerifyFailed:
            continue
        missed.append(offset)
    assert missed == []


def test_wrong_key_is_found(export: Export, tmp_path: Path) -> None:
    path = _write(tmp_path, export.data)
    other = public_pem(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(VerifyFailed, match=r"signature.*given public key"):
        verify_export(path, other)


def test_a_resigned_export_fails_against_the_site_key(export: Export, tmp_path: Path) -> None:
    """Someone edits the manifest, re-signs it with their own key and packs that key: it
    verifies only against itself, never against the site's key."""
    forger = Ed25519PrivateKey.generate()
    with zipfile.ZipFile(io.BytesIO(export.data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[MANIFEST] = members[MANIFEST].replace(b"PKT-2026-0042", b"PKT-2026-9999")
    members[SIGNATURE] = forger.sign(members[MANIFEST])
    members[PUBLIC_KEY] = public_pem(forger.public_key())
    forged = tmp_path / "forged.zip"
    pack(forged, [Entry(n, data=d) for n, d in members.items()])
    assert verify_export(forged).manifest["request"]["case_number"] == "PKT-2026-9999"
    with pytest.raises(VerifyFailed, match="signature"):
        verify_export(forged, export.public_key)


def test_swapped_added_or_dropped_files_are_found(export: Export, tmp_path: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(export.data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    a, b = export.clips
    swapped = dict(members)
    swapped[a], swapped[b] = members[b], members[a]
    pack(tmp_path / "s.zip", [Entry(n, data=d) for n, d in swapped.items()])
    with pytest.raises(VerifyFailed, match=f"{a}: (SHA-256|[0-9]+ bytes)"):
        verify_export(tmp_path / "s.zip", export.public_key)
    added = [Entry(n, data=d) for n, d in members.items()] + [Entry("extra.txt", data=b"x")]
    pack(tmp_path / "a.zip", added)
    with pytest.raises(VerifyFailed, match="added, removed or renamed"):
        verify_export(tmp_path / "a.zip", export.public_key)
    dropped = [Entry(n, data=d) for n, d in members.items() if n != b]
    pack(tmp_path / "d.zip", dropped)
    with pytest.raises(VerifyFailed, match="added, removed or renamed"):
        verify_export(tmp_path / "d.zip", export.public_key)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VMS, "evidence", "verify", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_cli_as_a_process(export: Export, tmp_path: Path) -> None:
    key = _write(tmp_path, export.public_key, "site.pem")
    ok = _cli(str(_write(tmp_path, export.data)), "--public-key", str(key))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "verified: 2 file(s)" in ok.stdout and "case PKT-2026-0042" in ok.stdout
    damaged = bytearray(export.data)
    damaged[len(damaged) // 3] ^= 0x80  # inside the first clip
    failed = _cli(str(_write(tmp_path, bytes(damaged), "bad.zip")), "--public-key", str(key))
    assert failed.returncode == 1
    assert "NOT VERIFIED" in failed.stdout and export.clips[0] in failed.stdout


def test_cli_messages(export: Export, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, export.data)
    assert main(["evidence", "verify", str(path)]) == 0
    assert "pass --public-key" in capsys.readouterr().out
    wrong = _write(tmp_path, public_pem(Ed25519PrivateKey.generate().public_key()), "w.pem")
    assert main(["evidence", "verify", str(path), "--public-key", str(wrong)]) == 1
    out = capsys.readouterr().out
    assert "NOT VERIFIED" in out and "signature" in out
    junk = _write(tmp_path, b"-----BEGIN PUBLIC KEY-----\nnot a key\n", "junk.pem")
    assert main(["evidence", "verify", str(path), "--public-key", str(junk)]) == 1
    assert "not an Ed25519 public key" in capsys.readouterr().out
    assert main(["evidence", "verify", str(tmp_path / "nope.zip")]) == 2
    assert "no such file" in capsys.readouterr().err
