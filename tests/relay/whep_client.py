"""A plain WHEP client (aiortc + httpx): what any standard player does, nothing of ours.

Kept with the tests (not in relay/): the server never uses it and httpx is a dev dependency.

Used by the benchmarks, the tests and operators probing a server: POST an offer, take the
answer, receive decoded frames, DELETE at the end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import av
import httpx
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from relay.ice import stop_consent_checks


class WhepError(Exception):
    """The server refused the offer; carries the HTTP status and the body."""

    def __init__(self, status: int, body: str, headers: httpx.Headers) -> None:
        super().__init__(f"WHEP POST answered {status}: {body[:300]}")
        self.status = status
        self.body = body
        self.headers = headers


@dataclass
class WhepClient:
    """One viewer of one WHEP endpoint URL."""

    endpoint: str
    http: httpx.AsyncClient
    pc: RTCPeerConnection = field(
        default_factory=lambda: RTCPeerConnection(RTCConfiguration(iceServers=[]))
    )
    location: str | None = None
    answer: str | None = None
    posted_at: float = 0.0
    # what a browser does to its offer before it goes out (e.g. hide addresses behind mDNS)
    rewrite_offer: Callable[[str], str] | None = None
    _track: asyncio.Future[MediaStreamTrack] | None = None

    async def start(self) -> None:
        """Offer recvonly H.264 video and apply the answer; raises WhepError on a refusal."""
        self._track = asyncio.get_running_loop().create_future()
        self.pc.addTransceiver("video", direction="recvonly")
        track_future = self._track

        @self.pc.on("track")
        def _on_track(track: MediaStreamTrack) -> None:
            if not track_future.done():
                track_future.set_result(track)

        await self.pc.setLocalDescription(await self.pc.createOffer())
        self.posted_at = time.monotonic()
        response = await self.http.post(
            self.endpoint,
            content=self._offer_text().encode(),
            headers={"Content-Type": "application/sdp"},
        )
        if response.status_code != 201:
            await self.pc.close()
            raise WhepError(response.status_code, response.text, response.headers)
        self.answer = response.text
        location = response.headers["location"]
        self.location = str(httpx.URL(self.endpoint).join(location))
        await self.pc.setRemoteDescription(RTCSessionDescription(self.answer, "answer"))

    def _offer_text(self) -> str:
        sdp = str(self.pc.localDescription.sdp)
        return self.rewrite_offer(sdp) if self.rewrite_offer else sdp

    async def frame(self, wait_s: float = 10.0) -> av.VideoFrame:
        """The next decoded picture."""
        assert self._track is not None, "start() first"
        track = await asyncio.wait_for(asyncio.shield(self._track), wait_s)
        frame = await asyncio.wait_for(track.recv(), wait_s)
        assert isinstance(frame, av.VideoFrame)
        return frame

    async def stop(self) -> int | None:
        """DELETE the session (status returned) and close the peer connection."""
        status = None
        if self.location is not None:
            try:
                status = (await self.http.delete(self.location)).status_code
            except httpx.HTTPError:
                status = None
            self.location = None
        await self.pc.close()
        await stop_consent_checks(self.pc, watch_s=0.1)
        return status


async def first_frame_ms(client: WhepClient, wait_s: float = 10.0) -> float:
    """Start `client` and return milliseconds from the POST to the first decoded picture."""
    await client.start()
    await client.frame(wait_s)
    return (time.monotonic() - client.posted_at) * 1000.0


__all__ = ["MediaStreamError", "WhepClient", "WhepError", "first_frame_ms"]
