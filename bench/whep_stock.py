"""The stock aiortc approach, as a WHEP server for side-by-side benchmarks.

One `MediaPlayer(rtsp url, format="rtsp", options={"rtsp_transport": "tcp"})` per camera,
shared by all viewers through `MediaRelay`; `--mode reencode` decodes and lets aiortc encode
H.264 for every viewer, `--mode passthrough` uses `decode=False` (packets as the camera sent
them). A keeper subscriber pulls each camera from the start, as our ingest does for "always"
cameras, so both servers start viewers on a running stream. Nothing here is tuned.

    python -m bench.whep_stock --port 8890 --mode passthrough rtsp://127.0.0.1:8554/cam/1/sub
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import uvicorn
from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaPlayer, MediaRelay
from aiortc.mediastreams import MediaStreamTrack
from fastapi import FastAPI, Request, Response


def build_app(urls: list[str], mode: str) -> FastAPI:
    players: list[MediaPlayer] = []
    relay = MediaRelay()
    sessions: dict[str, RTCPeerConnection] = {}
    keepers: list[asyncio.Task[None]] = []
    ready = asyncio.Event()

    async def keep(track: MediaStreamTrack, first: asyncio.Event) -> None:
        while True:
            await track.recv()
            first.set()

    async def all_ready(events: list[asyncio.Event]) -> None:
        await asyncio.gather(*(e.wait() for e in events))
        ready.set()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        events = []
        for url in urls:
            player = MediaPlayer(
                url, format="rtsp", options={"rtsp_transport": "tcp"}, decode=mode == "reencode"
            )
            players.append(player)
            first = asyncio.Event()
            events.append(first)
            assert player.video is not None
            keepers.append(asyncio.create_task(keep(relay.subscribe(player.video), first)))
        keepers.append(asyncio.create_task(all_ready(events)))
        yield
        for pc in list(sessions.values()):
            await pc.close()
        for task in keepers:
            task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await task
        for player in players:
            if player.video is not None:
                player.video.stop()

    app = FastAPI(lifespan=lifespan)

    @app.get("/ready")
    async def is_ready() -> Response:
        return Response(status_code=200 if ready.is_set() else 503)

    @app.post("/whep/{camera}")
    async def offer(camera: int, request: Request) -> Response:
        player = players[camera - 1]
        assert player.video is not None
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # no public STUN: no internet
        transceiver = pc.addTransceiver(
            relay.subscribe(player.video, buffered=False), direction="sendonly"
        )
        h264 = [
            c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/H264"
        ]
        transceiver.setCodecPreferences(h264)
        sdp = (await request.body()).decode()
        await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        session = uuid.uuid4().hex
        sessions[session] = pc
        return Response(
            pc.localDescription.sdp,
            status_code=201,
            media_type="application/sdp",
            headers={"Location": f"/whep/sessions/{session}"},
        )

    @app.delete("/whep/sessions/{session}")
    async def end(session: str) -> Response:
        pc = sessions.pop(session, None)
        if pc is None:
            return Response(status_code=404)
        await pc.close()
        return Response(status_code=204)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["reencode", "passthrough"], required=True)
    parser.add_argument("urls", nargs="+")
    args = parser.parse_args()
    app = build_app(args.urls, args.mode)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
