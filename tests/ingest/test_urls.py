"""The camera URL policy: what may be opened, and what the refusal says."""

from __future__ import annotations

import pytest

from ingest.urls import (
    InvalidCameraUrl,
    format_whitelist,
    join_credentials,
    protocol_whitelist,
    validate_camera_url,
)


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://10.0.0.5:554/Streaming/Channels/101",
        "rtsps://cam.example.org/live",
        "rtmp://127.0.0.1/live/cam1",
        "http://192.168.1.20/video.mjpg",
        "https://cams.phuket.go.th/hls/12/index.m3u8",
        "srt://10.1.1.1:9000?mode=caller",
        "rtsp://[fe80::1]:554/stream",
        "  rtsp://cam-01.local/x  ",
    ],
)
def test_accepts_camera_urls(url: str) -> None:
    assert validate_camera_url(url) == url.strip()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "empty"),
        ("file:///etc/passwd", "'file:'"),
        ("file:/etc/passwd", "'file:'"),
        ("concat:a.ts|b.ts", "'concat:'"),
        ("subfile,,start,0,end,10,,:/etc/passwd", "'subfile:'"),
        ("data:video/mp4;base64,AAAA", "'data:'"),
        ("pipe:0", "'pipe:'"),
        ("async:http://x/y", "'async:'"),
        ("crypto+http://x/y", "'crypto:'"),
        ("cache:http://x/y", "'cache:'"),
        ("tee:rtsp://x/y", "'tee:'"),
        ("gopher://x/y", "'gopher:'"),
        ("ftp://x/y", "'ftp:'"),
        ("udp://127.0.0.1:1234", "not allowed"),
        ("rtsp://admin:pw@10.0.0.5/x", "password"),
        ("rtsp://admin@10.0.0.5/x", "user name"),
        ("rtsp:///nohost", "no host"),
        ("rtsp://10.0.0.5/x\r\nX-Injected: 1", "control characters"),
        ("rtsp://10.0.0.5/x y", "spaces"),
        ("-i rtsp://x/y", "start with '-'"),
        ("rtsp://10.0.0.5:99999/x", "port"),
        ("rtsp://bad_host!/x", "host"),
        ("rtsp://x/y|file:/etc/passwd", "'|'"),
        ("10.0.0.5/stream", "look like"),
    ],
)
def test_refuses_with_a_message_naming_the_problem(url: str, problem: str) -> None:
    with pytest.raises(InvalidCameraUrl) as info:
        validate_camera_url(url)
    assert problem in str(info.value)
    assert isinstance(info.value, ValueError)


def test_allowed_schemes_are_configurable() -> None:
    with pytest.raises(InvalidCameraUrl, match="not allowed"):
        validate_camera_url("http://cam/x.mjpg", allowed_schemes=["rtsp"])


def test_whitelists_keep_ffmpeg_to_the_scheme() -> None:
    assert "file" not in protocol_whitelist("https://x/a.m3u8")
    assert protocol_whitelist("rtsp://x/y").split(",")[0] == "rtsp"
    assert format_whitelist("http://x/a.mjpg") is not None
    assert format_whitelist("rtsp://x/y") is None


def test_join_credentials_escapes_and_is_not_the_stored_url() -> None:
    url = "rtsp://10.0.0.5:554/live"
    assert join_credentials(url, None, None) == url
    joined = join_credentials(url, "ad min", "p@ss:/word")
    assert joined == "rtsp://ad%20min:p%40ss%3A%2Fword@10.0.0.5:554/live"
