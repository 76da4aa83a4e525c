"""StreamWorker against real RTSP servers (GStreamer's) and real failure modes."""

from __future__ import annotations

import asyncio
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from camsim import SimulatorThread
from ingest.failures import UNREACHABLE
from ingest.h264 import find_parameter_sets
from ingest.health import StreamState
from ingest.spec import StreamSpec
from tests.conftest import free_port
from tests.fixtures_camsim import GstRtspServer, GstRtspServerFactory
from tests.ingest.conftest import eventually
from tests.ingest.rig import KEY, Rig, nal_types, start


@pytest.mark.gstreamer
@pytest.mark.parametrize("transport", ["tcp", "udp"])
async def test_pulls_gstreamer_server(
    rig_factory: list[Rig], gst_rtsp_server: GstRtspServerFactory, transport: str
) -> None:
    spec = StreamSpec(KEY, gst_rtsp_server().url, transport=transport)  # type: ignore[arg-type]
    rig = await start(rig_factory, spec)
    await eventually(lambda: rig.state == StreamState.ONLINE, what="online")
    packets = await rig.packets(20)
    assert packets[0].is_keyframe
    # GStreamer sends SPS/PPS only in the SDP: ingest must put them in band on keyframes.
    assert 7 in nal_types(packets[0]) and 8 in nal_types(packets[0])
    assert packets[0].data.startswith(b"\x00\x00\x00\x01")
    pts = [p.pts for p in packets]
    assert pts == sorted(pts) and pts[-1] > pts[0]
    info = rig.channel.info
    assert info is not None and (info.codec, info.width, info.height) == ("h264", 320, 240)
    health = rig.health.get(KEY)
    assert health is not None and health.packets >= 20 and health.codec == "h264"


@pytest.mark.gstreamer
async def test_digest_auth_right_and_wrong(
    rig_factory: list[Rig],
    gst_rtsp_server: GstRtspServerFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = gst_rtsp_server(auth=("viewer", "s3cret-pw"))
    good = await start(rig_factory, StreamSpec(KEY, server.url, "viewer", "s3cret-pw"))
    bad = await start(rig_factory, StreamSpec(KEY, server.url, "viewer", "wrong-pw"))
    await eventually(lambda: good.state == StreamState.ONLINE, what="online with the password")
    await eventually(lambda: bad.state == StreamState.ERROR, what="error with a bad password")
    health = bad.health.get(KEY)
    assert health is not None and health.reason == "401 from camera: check credentials"
    assert "s3cret-pw" not in caplog.text and "wrong-pw" not in caplog.text
    assert "wrong-pw" not in str(health.to_dict())


async def test_connection_refused_is_offline_with_reason(rig_factory: list[Rig]) -> None:
    rig = await start(rig_factory, StreamSpec(KEY, f"rtsp://127.0.0.1:{free_port()}/x"))
    await eventually(lambda: rig.state == StreamState.OFFLINE, what="offline")
    health = rig.health.get(KEY)
    assert health is not None
    assert health.reason == UNREACHABLE
    await eventually(lambda: health.reconnects >= 2, what="retries with backoff")


async def test_unknown_host_is_offline_with_reason(rig_factory: list[Rig]) -> None:
    rig = await start(rig_factory, StreamSpec(KEY, "rtsp://camera-does-not-exist.invalid/x"))
    await eventually(lambda: rig.state == StreamState.OFFLINE, what="offline")
    health = rig.health.get(KEY)
    assert health is not None and health.reason == "host not found: check the camera's address"


class _HtmlHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><body>" + b"<p>router login page</p>" * 200 + b"</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


async def test_html_page_is_error_not_video(rig_factory: list[Rig]) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/video.mjpg"
        rig = await start(rig_factory, StreamSpec(KEY, url))
        await eventually(lambda: rig.state == StreamState.ERROR, what="error state")
        health = rig.health.get(KEY)
        assert health is not None and health.reason is not None
        assert health.reason.startswith("not a video stream")
    finally:
        server.shutdown()
        server.server_close()


class BlackHoleProxy:
    """A TCP proxy that can stop forwarding (a camera that hangs without closing)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.paused = asyncio.Event()
        self.server: asyncio.Server | None = None
        self.port = 0
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if not self.paused.is_set():
                    writer.write(data)
                    await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        for task in (
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ):
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def close(self) -> None:
        if self.server:
            self.server.close()
            for task in tuple(self.tasks):
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            await self.server.wait_closed()


@pytest.mark.gstreamer
async def test_hung_connection_is_stalled_then_reconnects(
    rig_factory: list[Rig], gst_rtsp_server: GstRtspServerFactory
) -> None:
    server: GstRtspServer = gst_rtsp_server()
    proxy = BlackHoleProxy(server.port)
    await proxy.start()
    try:
        url = server.url.replace(f":{server.port}/", f":{proxy.port}/")
        rig = await start(rig_factory, StreamSpec(KEY, url, transport="tcp"))
        await eventually(lambda: rig.state == StreamState.ONLINE, what="online")
        proxy.paused.set()
        await eventually(lambda: rig.state == StreamState.STALLED, what="stalled")
        health = rig.health.get(KEY)
        assert health is not None and health.reason is not None and "stalled" in health.reason
        before = rig.channel.packets_total
        proxy.paused.clear()
        await eventually(lambda: rig.state == StreamState.ONLINE, what="online again")
        assert health.reconnects >= 1
        await eventually(lambda: rig.channel.packets_total > before + 5, what="packets again")
    finally:
        await proxy.close()


async def test_stop_is_prompt_while_streaming(
    rig_factory: list[Rig], camsim: SimulatorThread
) -> None:
    rig = await start(rig_factory, StreamSpec(KEY, camsim.url(1)))
    await eventually(lambda: rig.state == StreamState.ONLINE, what="online")
    rig.worker.stop()
    assert await rig.worker.wait(5)
    assert not rig.worker.running


def test_keyframes_carry_parameter_sets_helper() -> None:
    data = b"\x00\x00\x00\x01\x67\x42\x00\x00\x00\x01\x68\xce\x00\x00\x00\x01\x65\x88"
    found = find_parameter_sets("h264", data)
    assert found.sps == b"\x67\x42" and found.annexb.count(b"\x00\x00\x00\x01") == 2
