"""Produces approved requests' exports in the background: a clip per camera from the
`ClipSource`, the signed manifest, one canonical zip. Owns its task; a restart picks up the
exports that were queued or half built (they are read back from the database).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from vms.access import as_utc
from vms.audit import AuditTrail
from vms.db.engine import Database
from vms.db.models.evidence import DataRequest
from vms.db.models.identity import User
from vms.db.models.registry import Agency, Camera
from vms.evidence.clips import ClipFile, ClipSource
from vms.evidence.config import EvidenceConfig
from vms.evidence.manifest import ManifestFile, build_manifest, request_part
from vms.evidence.package import MANIFEST, PUBLIC_KEY, SIGNATURE, Entry, pack, sha256_file
from vms.evidence.signing import fingerprint, load_or_create_key, public_pem
from vms.evidence.viewing import ViewingCopyFailed, copy_name, make_viewing_copy, watermark_text
from vms.evidence.workflow import record_system

log = logging.getLogger(__name__)

NO_RECORDING = "recording not available on this server"
QUEUE_MAX = 1000  # more waiting ids than this are picked up again by the next sweep
# an export "building" for longer than this was left by a process that died: take it over
CLAIM_STALE = timedelta(minutes=15)


class ExportFailed(Exception):
    """An export could not be produced; the message is for the requester."""


@dataclass(frozen=True, slots=True)
class _Job:
    """What the exporter read of a request before fetching clips."""

    request_id: int
    stream: str
    start: datetime
    end: datetime
    camera_ids: list[int]
    request: dict[str, Any]


class Exporter:
    """The one owner of export production and of expiring downloads."""

    def __init__(
        self,
        config: EvidenceConfig,
        site_name: str,
        db: Database,
        audit: AuditTrail,
        clip_source: Callable[[], ClipSource | None],
        sweep_s: float = 30.0,
    ) -> None:
        self.config = config
        self.site_name = site_name
        self.db = db
        self.audit = audit
        self._clip_source = clip_source
        self.sweep_s = sweep_s
        self.export_dir = Path(config.export_dir)
        self._queue: asyncio.Queue[int] = asyncio.Queue(QUEUE_MAX)
        self._task: asyncio.Task[None] | None = None
        self._key: Ed25519PrivateKey | None = None
        self.idle = asyncio.Event()

    def key(self) -> Ed25519PrivateKey:
        """The site's signing key, created on first use (blocking)."""
        if self._key is None:
            self._key = load_or_create_key(Path(self.config.signing_key_file))
        return self._key

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="evidence-exporter")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    def enqueue(self, request_id: int) -> None:
        """Produce this request's export soon (its row says export_state=queued)."""
        self.idle.clear()
        try:
            self._queue.put_nowait(request_id)
        except asyncio.QueueFull:
            log.warning("export queue full; request %d waits for the next sweep", request_id)

    async def _run(self) -> None:
        while True:
            await self._sweep()
            deadline = asyncio.get_running_loop().time() + self.sweep_s
            while (left := deadline - asyncio.get_running_loop().time()) > 0:
                if self._queue.empty():
                    self.idle.set()
                try:
                    request_id = await asyncio.wait_for(self._queue.get(), left)
                except TimeoutError:
                    break
                await self.produce(request_id)

    async def _sweep(self) -> None:
        try:
            waiting = await asyncio.to_thread(self._expire_and_list_waiting)
        except Exception:
            log.exception("evidence sweep failed; retrying at the next one")
            return
        for request_id in waiting:
            self.enqueue(request_id)

    def _expire_and_list_waiting(self) -> list[int]:
        now = datetime.now(UTC)
        with self.db.session() as session:
            expired = session.scalars(
                select(DataRequest).where(
                    DataRequest.state == "exported", DataRequest.expires_at <= now
                )
            ).all()
            for row in expired:
                if row.export_file:
                    (self.export_dir / row.export_file).unlink(missing_ok=True)
                row.state = "expired"
                record_system(session, self.audit, "data_request.expire", row, {})
            return list(
                session.scalars(
                    select(DataRequest.id).where(
                        DataRequest.state == "approved",
                        DataRequest.export_state.in_(("queued", "building")),
                    )
                )
            )

    async def produce(self, request_id: int) -> None:
        """Build one export; a failure is written on the request (and audited), never raised."""
        job = await asyncio.to_thread(self._begin, request_id)
        if job is None:
            return
        work = self.export_dir / f".build-{request_id}"
        try:
            clips = await self._fetch(job, work)
            copies = await self._viewing_copies(job, clips) if self.config.viewing_copy else []
            await asyncio.to_thread(self._finish, job, clips, copies)
        except (ExportFailed, ViewingCopyFailed) as exc:
            await asyncio.to_thread(self._fail, request_id, str(exc))
        except Exception:
            log.exception("export of data request %d failed", request_id)
            await asyncio.to_thread(self._fail, request_id, "internal error while exporting")
        finally:
            await asyncio.to_thread(shutil.rmtree, work, True)

    def _begin(self, request_id: int) -> _Job | None:
        with self.db.session() as session:
            row = session.get(DataRequest, request_id, with_for_update=True)
            if row is None or row.state != "approved" or not self._claimable(row):
                return None
            row.export_state = "building"
            row.export_claimed_at = datetime.now(UTC)
            requester = session.get(User, row.requester_id)
            cameras = []
            for link in row.cameras:
                cam = session.get(Camera, link.camera_id)
                agency = session.get(Agency, link.agency_id)
                cameras.append(
                    {
                        "id": link.camera_id,
                        "code": cam.code if cam else None,
                        "name": (cam.name_en or cam.name_th) if cam else None,
                        "agency_id": link.agency_id,
                        "agency_code": agency.code if agency else None,
                    }
                )
            part = request_part(row, requester.username if requester else "?", cameras)
            return _Job(
                row.id, row.stream, row.start, row.end, [c.camera_id for c in row.cameras], part
            )

    @staticmethod
    def _claimable(row: DataRequest) -> bool:
        """Queued, or building under a lease that went stale (its process died)."""
        if row.export_state == "queued":
            return True
        if row.export_state != "building":
            return False
        claimed = row.export_claimed_at
        return claimed is None or datetime.now(UTC) - as_utc(claimed) > CLAIM_STALE

    async def _fetch(self, job: _Job, work: Path) -> list[tuple[int, ClipFile]]:
        source = self._clip_source()
        if source is None:
            raise ExportFailed(NO_RECORDING)
        await asyncio.to_thread(work.mkdir, parents=True, exist_ok=True)
        clips = []
        for camera_id in job.camera_ids:
            dest = work / f"camera-{camera_id}-{job.stream}.mp4"
            try:
                clip = await source.write_clip(camera_id, job.stream, job.start, job.end, dest)
            except LookupError:
                raise ExportFailed(
                    f"camera {camera_id}: nothing recorded on the {job.stream} stream between "
                    f"{job.start.isoformat()} and {job.end.isoformat()}"
                ) from None
            clips.append((camera_id, clip))
        return clips

    async def _viewing_copies(
        self, job: _Job, clips: list[tuple[int, ClipFile]]
    ) -> list[tuple[ManifestFile, Path]]:
        """A watermarked viewing copy of every clip (vms/evidence/viewing.py)."""
        requester = str(job.request["requester"]["username"])
        out = []
        for camera_id, clip in clips:
            dest = clip.path.with_name(copy_name(clip.path.name))
            text = watermark_text(requester, job.request["case_number"], self.site_name, clip.start)
            await make_viewing_copy(clip.path, dest, text)
            digest = await asyncio.to_thread(sha256_file, dest)
            size = (await asyncio.to_thread(dest.stat)).st_size
            listed = ManifestFile(dest.name, camera_id, job.stream, clip.start, clip.end, size,
                                  digest, copy_of=clip.path.name)  # fmt: skip
            out.append((listed, dest))
        return out

    def _finish(
        self,
        job: _Job,
        clips: list[tuple[int, ClipFile]],
        copies: list[tuple[ManifestFile, Path]],
    ) -> None:
        key = self.key()
        files = []
        for camera_id, clip in clips:
            digest = sha256_file(clip.path)
            size = clip.path.stat().st_size
            if digest != clip.sha256 or size != clip.bytes:
                raise ExportFailed(f"camera {camera_id}: the clip changed while it was exported")
            name = clip.path.name
            files.append(
                ManifestFile(name, camera_id, job.stream, clip.start, clip.end, size, digest)
            )
        now = datetime.now(UTC)
        public = key.public_key()
        entries = [Entry(f.name, path=c.path) for f, (_, c) in zip(files, clips, strict=True)]
        for listed, path in copies:  # after the originals, each hashed as it is packed
            if sha256_file(path) != listed.sha256:
                raise ExportFailed(f"{listed.name}: the viewing copy changed while exported")
            files.append(listed)
            entries.append(Entry(listed.name, path=path))
        manifest = build_manifest(self.site_name, now, job.request, files, fingerprint(public))
        entries += [
            Entry(MANIFEST, data=manifest),
            Entry(SIGNATURE, data=key.sign(manifest)),
            Entry(PUBLIC_KEY, data=public_pem(public)),
        ]
        self.export_dir.mkdir(parents=True, exist_ok=True)
        name = f"data-request-{job.request_id}.zip"
        partial = self.export_dir / f"{name}.partial"
        try:
            pack(partial, entries)
            digest, size = sha256_file(partial), partial.stat().st_size
            partial.replace(self.export_dir / name)
        finally:
            partial.unlink(missing_ok=True)
        with self.db.session() as session:
            row = session.get(DataRequest, job.request_id, with_for_update=True)
            if row is None:
                return
            row.state = "exported"
            row.export_state = "ready"
            row.export_error = None
            row.export_file = name
            row.export_sha256 = digest
            row.export_bytes = size
            row.exported_at = now
            row.expires_at = now + timedelta(seconds=self.config.download_ttl_s)
            detail = {"sha256": digest, "bytes": size, "files": [f.name for f in files]}
            record_system(session, self.audit, "data_request.export", row, detail)

    def _fail(self, request_id: int, message: str) -> None:
        with self.db.session() as session:
            row = session.get(DataRequest, request_id, with_for_update=True)
            if row is None:
                return
            row.export_state = "failed"
            row.export_error = message
            record_system(
                session, self.audit, "data_request.export", row, {"error": message}, "failed"
            )
