"""StreamWorker against sources beyond RTSP, each served by an independent peer on 127.0.0.1.

HLS (FFmpeg writing a live playlist, served over HTTP), MJPEG over HTTP (multipart, as IP
cameras serve it), RTMP (FFmpeg as the RTMP server) and SRT (FFmpeg as listener, when both
FFmpeg builds have it). Also H.265 over HLS, including a resolution change.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import threading
from pathlib import Path

import av
import av.error
import cv2
import numpy as np
import pytest

from ingest.health import StreamState
from ingest.spec import StreamSpec
from tests.conftest import free_port
from tests.ingest.conftest import eventually
from tests.ingest.peers import (
    FFMPEG,
    MjpegHandler,
    encode_file,
    ffmpeg,
    serve,
    serve_dir,
    wait_for,
)
from tests.ingest.rig import KEY, Rig, nal_types, start


async def live_hls(tmp_path: Path, codec: str) -> tuple[Path, list[str]]:
    """(playlist path, ffmpeg args) for a live HLS stream of a looped test file."""
    source = await asyncio.to_thread(encode_file, tmp_path / f"src-{codec}.ts", codec, "320x240", 2)
    playlist = tmp_path / "live.m3u8"
    args = ["-re", "-stream_loop", "-1", "-i", str(source), "-t", "90", "-c", "copy",
            "-f", "hls", "-hls_time", "1", "-hls_list_size", "6", str(playlist)]  # fmt: skip
    return playlist, args


@pytest.mark.parametrize("codec", ["h264", "hevc"])
async def test_hls_over_http(rig_factory: list[Rig], tmp_path: Path, codec: str) -> None:
    playlist, args = await live_hls(tmp_path, codec)
    with ffmpeg(args, tmp_path / "ffmpeg.log"), serve(serve_dir(tmp_path)) as port:
        await asyncio.to_thread(wait_for, playlist, "#EXTINF")
        rig = await start(rig_factory, StreamSpec(KEY, f"http://127.0.0.1:{port}/live.m3u8"))
        await eventually(lambda: rig.state == StreamState.ONLINE, what="online")
        packets = await rig.packets(20)
        info = rig.channel.info
        assert info is not None and (info.codec, info.width, info.height) == (codec, 320, 240)
        assert info.fps is not None and abs(info.fps - 15) < 0.5
        key = next(p for p in packets if p.is_keyframe)
        params = {"h264": {7, 8}, "hevc": {32, 33, 34}}[codec]
        assert params <= set(nal_types(key, codec)) and key.data.startswith(b"\x00\x00")
        assert all(b.pts > a.pts for a, b in itertools.pairwise(packets))


async def test_hevc_resolution_change_gives_new_size(
    rig_factory: list[Rig], tmp_path: Path
) -> None:
    small = await asyncio.to_thread(encode_file, tmp_path / "a.ts", "hevc", "320x240", 2)
    big = await asyncio.to_thread(encode_file, tmp_path / "b.ts", "hevc", "640x360", 2)
    (tmp_path / "vod.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:2.0,\n{small.name}\n#EXT-X-DISCONTINUITY\n#EXTINF:2.0,\n{big.name}\n"
        "#EXT-X-ENDLIST\n"
    )
    with serve(serve_dir(tmp_path)) as port:
        rig = await start(rig_factory, StreamSpec(KEY, f"http://127.0.0.1:{port}/vod.m3u8"))
        await eventually(
            lambda: any((i.width, i.height) == (640, 360) for i in rig.infos), what="new size"
        )
    first = rig.infos[0]
    assert (first.codec, first.width, first.height) == ("hevc", 320, 240)
    changed = next(i for i in rig.infos if (i.width, i.height) == (640, 360))
    assert changed.codec == "hevc" and changed.extradata and changed.extradata != first.extradata


def _reader_opened(fifo: Path, stop: threading.Event, seen: list[bool]) -> None:
    """Record whether anything ever opened `fifo` for reading (a writer open then succeeds)."""
    while not stop.wait(0.02):
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            continue  # ENXIO: nobody is reading
        os.close(fd)
        seen.append(True)
        return


async def test_hls_playlist_pointing_at_a_local_file_is_refused(
    rig_factory: list[Rig], tmp_path: Path
) -> None:
    secret = tmp_path / "secret.ts"
    os.mkfifo(secret)
    (tmp_path / "evil.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n"
        f"#EXTINF:2.0,\nfile://{secret}\n#EXTINF:2.0,\n{secret}\n#EXT-X-ENDLIST\n"
    )
    stop, seen = threading.Event(), []
    watcher = threading.Thread(target=_reader_opened, args=(secret, stop, seen), daemon=True)
    watcher.start()
    try:
        with serve(serve_dir(tmp_path)) as port:
            rig = await start(rig_factory, StreamSpec(KEY, f"http://127.0.0.1:{port}/evil.m3u8"))
            await eventually(lambda: rig.state == StreamState.ERROR, what="error state")
            assert rig.reason is not None and "refused" in rig.reason and "'file:'" in rig.reason, (
                rig.reason
            )
            await eventually(lambda: rig.health.get(KEY).reconnects >= 1, what="a retry")  # type: ignore[union-attr]
    finally:
        stop.set()
        watcher.join(5)
    assert not seen, "FFmpeg opened the local file named by the playlist"
    assert rig.channel.packets_total == 0


def _jpegs(n: int, width: int, height: int) -> list[bytes]:
    frames = []
    for i in range(n):
        img = np.full((height, width, 3), (i * 40) % 256, np.uint8)
        cv2.putText(img, str(i), (20, height // 2), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 0, 0), 3)
        ok, buf = cv2.imencode(".jpg", img)
        assert ok
        frames.append(buf.tobytes())
    return frames


async def test_mjpeg_over_http(rig_factory: list[Rig]) -> None:
    class Camera(MjpegHandler):
        frames = _jpegs(6, 352, 288)

    with serve(Camera) as port:
        rig = await start(rig_factory, StreamSpec(KEY, f"http://127.0.0.1:{port}/video.mjpg"))
        await eventually(lambda: rig.state == StreamState.ONLINE, what="online")
        packets = await rig.packets(8)
    info = rig.channel.info
    assert info is not None and (info.codec, info.width, info.height) == ("mjpeg", 352, 288)
    assert all(p.is_keyframe and p.data.startswith(b"\xff\xd8") for p in packets)
    assert packets[0].data in Camera.frames


async def test_rtmp_h264_is_annexb_with_parameter_sets(
    rig_factory: list[Rig], tmp_path: Path
) -> None:
    source = await asyncio.to_thread(encode_file, tmp_path / "src.mp4", "h264", "320x240", 2)
    url = f"rtmp://127.0.0.1:{free_port()}/live/cam"
    args = ["-re", "-stream_loop", "-1", "-i", str(source), "-t", "90", "-c", "copy",
            "-f", "flv", "-listen", "1", url]  # fmt: skip
    with ffmpeg(args, tmp_path / "ffmpeg.log"):
        rig = await start(rig_factory, StreamSpec(KEY, url))
        await eventually(lambda: rig.state == StreamState.ONLINE, what="online")
        packets = await rig.packets(35)
    info = rig.channel.info
    assert info is not None and (info.codec, info.width, info.height) == ("h264", 320, 240)
    assert info.extradata is not None and info.extradata.startswith(b"\x00\x00\x00\x01")
    keys = [p for p in packets if p.is_keyframe]
    assert len(keys) >= 2  # GOP is 15 packets
    for p in packets:
        assert p.data.startswith(b"\x00\x00"), "RTMP's AVCC length prefixes must become start codes"
    for k in keys:
        assert {7, 8, 5} <= set(nal_types(k))


def _srt_missing() -> str | None:
    """What lacks SRT, if anything: Debian's ffmpeg (the peer) or the av wheel (ingest)."""
    out = subprocess.run(
        [FFMPEG, "-hide_banner", "-protocols"], capture_output=True, text=True, timeout=30
    ).stdout
    if "srt" not in out.split():
        return "/usr/bin/ffmpeg has no srt protocol"
    try:
        av.open(f"srt://127.0.0.1:{free_port()}?mode=caller", timeout=0.5)
    except av.error.ProtocolNotFoundError:
        return f"the av wheel (PyAV {av.__version__}) is built without libsrt: no srt protocol"
    except av.error.FFmpegError:
        pass
    return None


async def test_srt(rig_factory: list[Rig], tmp_path: Path) -> None:
    missing = _srt_missing()
    if missing:
        pytest.skip(missing)
    source = await asyncio.to_thread(encode_file, tmp_path / "src.ts", "h264", "320x240", 2)
    port = free_port()
    args = ["-re", "-stream_loop", "-1", "-i", str(source), "-t", "90", "-c", "copy",
            "-f", "mpegts", f"srt://127.0.0.1:{port}?mode=listener"]  # fmt: skip
    with ffmpeg(args, tmp_path / "ffmpeg.log"):
        rig = await start(rig_factory, StreamSpec(KEY, f"srt://127.0.0.1:{port}?mode=caller"))
        await eventually(lambda: rig.state == StreamState.ONLINE, what="online")
    info = rig.channel.info
    assert info is not None and (info.codec, info.width, info.height) == ("h264", 320, 240)
