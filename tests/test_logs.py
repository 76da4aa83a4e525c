"""Log lines never carry a URL password, whatever logged it and however it was formatted."""

from __future__ import annotations

import json
import logging

import pytest

from vms.logs import JsonFormatter, ScrubFilter, TextFormatter, scrub


@pytest.mark.parametrize(
    "raw",
    [
        "rtsp://admin:S3cr3t!@10.0.0.5:554/stream1",
        "opening RTSP://cam:S3cr3t!@host/x failed",
        "rtmp://u:S3cr3t%21@host/live",
    ],
)
def test_scrub_removes_userinfo_password(raw: str) -> None:
    out = scrub(raw)
    assert "S3cr3t" not in out
    assert ":***@" in out


def test_scrub_leaves_plain_text_alone() -> None:
    assert scrub("camera 7 online at 15 fps") == "camera 7 online at 15 fps"


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("ingest.worker", logging.INFO, __file__, 1, msg, args, None)
    for k, v in extra.items():
        setattr(rec, k, v)
    return rec


def test_filter_scrubs_arguments_before_any_formatter() -> None:
    rec = _record("open %s", "rtsp://a:S3cr3t!@h/s", camera_id=7, stream="main")
    assert ScrubFilter().filter(rec)
    text = TextFormatter("%(message)s").format(rec)
    assert "S3cr3t" not in text and "camera_id=7" in text and "stream=main" in text
    line = json.loads(JsonFormatter().format(rec))
    assert line["camera_id"] == 7 and "S3cr3t" not in line["msg"]


def test_configured_handler_follows_the_current_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    from vms.logs import configure_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("INFO")
        replaced = io.StringIO()
        monkeypatch.setattr(sys, "stderr", replaced)
        logging.getLogger("ingest.worker").warning("open rtsp://a:S3cr3t!@h/s")
        assert "rtsp://a:***@h/s" in replaced.getvalue()
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
