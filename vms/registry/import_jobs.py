"""Imports run as jobs so the page can show progress: one worker thread, a bounded number of
waiting jobs (more is refused, not queued), finished jobs kept for a while to be read.

`ImportJobs` is owned by Services, which closes it on shutdown (waiting for the running job,
whose transaction then commits or rolls back whole)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from vms.errors import TooManyRequests, VmsError
from vms.registry.importer import ImportReport

log = logging.getLogger(__name__)

MAX_WAITING = 2
KEEP_S = 3600.0
JobState = Literal["queued", "running", "done", "failed"]


class ImportJobOut(BaseModel):
    """An import job as the page polls it: rows done of total, and the report when done."""

    id: str
    state: JobState
    dry_run: bool
    done: int = 0
    total: int = 0
    report: ImportReport | None = None
    error: str | None = None


@dataclass(slots=True)
class _Job:
    id: str
    owner: int  # the user who started it: only they read it
    dry_run: bool
    state: JobState = "queued"
    done: int = 0
    total: int = 0
    report: ImportReport | None = None
    error: str | None = None
    finished: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def out(self) -> ImportJobOut:
        with self.lock:
            return ImportJobOut(id=self.id, state=self.state, dry_run=self.dry_run,
                                done=self.done, total=self.total, report=self.report,
                                error=self.error)  # fmt: skip


Work = Callable[[Callable[[int, int], None]], ImportReport]


class ImportJobs:
    """Runs import work on one thread and remembers each job's progress and outcome."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vms-import")
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()

    def submit(self, owner: int, dry_run: bool, work: Work) -> ImportJobOut:
        """Queue `work(progress)`; TooManyRequests when imports are already waiting."""
        with self._lock:
            self._forget_old()
            waiting = sum(1 for j in self._jobs.values() if j.state in ("queued", "running"))
            if waiting >= MAX_WAITING:
                raise TooManyRequests("imports are already running: wait for them to finish")
            job = _Job(uuid.uuid4().hex, owner, dry_run)
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, work)
        return job.out()

    def get(self, job_id: str, owner: int) -> ImportJobOut | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job.out() if job is not None and job.owner == owner else None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, job: _Job, work: Work) -> None:
        def progress(done: int, total: int) -> None:
            with job.lock:
                job.done, job.total = done, total

        with job.lock:
            job.state = "running"
        try:
            report = work(progress)
        except VmsError as exc:
            outcome: tuple[JobState, ImportReport | None, str | None] = (
                "failed",
                None,
                exc.message,
            )
        except Exception:
            log.exception("import job %s failed", job.id)
            outcome = ("failed", None, "the import failed on the server; nothing was changed")
        else:
            outcome = ("done", report, None)
        with job.lock:
            job.state, job.report, job.error = outcome
            if job.report is not None:
                job.done = job.total = job.report.rows
            job.finished = time.monotonic()

    def _forget_old(self) -> None:
        now = time.monotonic()
        for job_id in [
            k for k, j in self._jobs.items() if j.finished and now - j.finished > KEEP_S
        ]:
            del self._jobs[job_id]
