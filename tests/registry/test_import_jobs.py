"""Import jobs: progress reported while running, the report at the end, a failure in words,
readable only by their owner, and more than two waiting refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from vms.errors import InvalidInput, TooManyRequests
from vms.registry.import_jobs import ImportJobOut, ImportJobs
from vms.registry.importer import ImportReport


def _wait(jobs: ImportJobs, job_id: str, owner: int = 1) -> ImportJobOut:
    for _ in range(200):
        job = jobs.get(job_id, owner)
        assert job is not None
        if job.state in ("done", "failed"):
            return job
        time.sleep(0.01)
    raise AssertionError("job did not finish")


def test_progress_then_report_and_owner_only() -> None:
    jobs = ImportJobs()
    halfway, go_on = threading.Event(), threading.Event()

    def work(progress: Callable[[int, int], None]) -> ImportReport:
        progress(500, 1000)
        halfway.set()
        go_on.wait(5)
        return ImportReport(format="csv", rows=1000, created=1000)

    try:
        job = jobs.submit(1, False, work)
        assert halfway.wait(5)
        running = jobs.get(job.id, 1)
        assert running is not None
        assert (running.state, running.done, running.total) == ("running", 500, 1000)
        assert jobs.get(job.id, 2) is None  # another person's job does not exist for them
        go_on.set()
        done = _wait(jobs, job.id)
        assert done.report is not None and done.report.created == 1000
        assert (done.done, done.total) == (1000, 1000)
    finally:
        go_on.set()
        jobs.close()


def test_failure_says_why_and_waiting_is_bounded() -> None:
    jobs = ImportJobs()
    release = threading.Event()

    def refuse(progress: Callable[[int, int], None]) -> ImportReport:
        raise InvalidInput("not a CSV or XLSX file")

    def slow(progress: Callable[[int, int], None]) -> ImportReport:
        release.wait(5)
        return ImportReport(format="csv")

    try:
        failed = _wait(jobs, jobs.submit(1, True, refuse).id)
        assert (failed.state, failed.error) == ("failed", "not a CSV or XLSX file")
        jobs.submit(1, True, slow)
        jobs.submit(1, True, slow)
        with pytest.raises(TooManyRequests):
            jobs.submit(1, True, slow)
    finally:
        release.set()
        jobs.close()
