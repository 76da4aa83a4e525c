"""Transcoding (relay/transcode.py): MJPEG/H.265 streams reach the viewer as H.264; capped."""

from __future__ import annotations

import httpx
import pytest

from ingest.packet import StreamKey
from tests.relay.harness import Publisher, ServerThread, encode_packets
from tests.relay.whep_client import WhepClient, WhepError


@pytest.mark.parametrize(
    ("encoder", "codec"), [("mjpeg", "mjpeg"), ("libx265", "hevc")], ids=["mjpeg", "hevc"]
)
@pytest.mark.parametrize("relay_settings", [{"max_transcoders": 1, "start_wait_s": 5.0}])
async def test_non_h264_stream_is_transcoded_once_for_all_viewers_and_capped(
    server: ServerThread, encoder: str, codec: str
) -> None:
    packets = encode_packets(30, codec=encoder)
    pub = Publisher(server, StreamKey(4, "sub"), packets, codec=codec).start()
    other = Publisher(server, StreamKey(6, "sub"), packets, codec=codec).start()
    relay = server.services.relay
    try:
        pub.wait_sent(2)
        async with httpx.AsyncClient(timeout=20, headers=server.auth_headers()) as http:
            viewers = [WhepClient(f"{server.url}/api/v1/cameras/4/whep", http) for _ in range(2)]
            for viewer in viewers:
                await viewer.start()
            for viewer in viewers:
                frames = [await viewer.frame() for _ in range(5)]
                assert all((f.width, f.height) == (320, 180) for f in frames)
            assert server.call(lambda: relay.stats().transcoders_running) == 1
            assert "H264" in (viewers[0].answer or "")
            # a second stream needing conversion is over relay.max_transcoders: a clear 503
            with pytest.raises(WhepError) as err:
                await WhepClient(f"{server.url}/api/v1/cameras/6/whep", http).start()
            assert err.value.status == 503 and "max_transcoders" in err.value.body
            for viewer in viewers:
                assert await viewer.stop() == 204
            assert server.call(lambda: relay.stats().transcoders_running) == 0
    finally:
        pub.stop()
        other.stop()
