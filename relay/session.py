"""One WHEP viewer: its peer connection, its bus track, and how it ends.

The session owns everything a viewer holds (peer connection, sockets, bus subscription) and
`close()` gives all of it back, whether the viewer said DELETE, vanished, or the server stops.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiortc import (
    RTCConfiguration,
    RTCIceCandidate,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.sdp import candidate_from_sdp

from ingest.frame_bus import Channel
from ingest.packet import EncodedPacket, StreamKey
from relay import h264
from relay.config import IceServer
from relay.dtls import answer_actpass_as_server, use_relay_certificate
from relay.packetize import PayloadCache, SharedPacker
from relay.sdp import Offer, is_mdns_candidate
from relay.track import BusTrack
from vms.errors import InvalidInput, Unavailable

if TYPE_CHECKING:
    from vms.auth.principal import Principal

log = logging.getLogger(__name__)

NEGOTIATE_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 5.0
MAX_TRICKLE_CANDIDATES = 64


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who asked: the client address, the user (the per-user cap counts it) and the signed-in
    principal, which the access watcher re-decides while the view runs."""

    address: str
    user: str | None = None
    principal: Principal | None = field(default=None, compare=False)


class ViewerSession:
    """One viewer watching one stream over one RTCPeerConnection."""

    def __init__(
        self,
        key: StreamKey,
        viewer: Viewer,
        channel: Channel,
        ice_servers: list[IceServer],
        *,
        on_sent: Callable[[EncodedPacket], None] | None = None,
        payloads: PayloadCache | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.etag = f'"{uuid.uuid4().hex[:16]}"'
        self.key = key
        self.viewer = viewer
        self.created = time.monotonic()
        self.answered_at: float | None = None  # the answer went out; ICE may start
        self.connected_at: float | None = None
        self.closed = False
        self.close_reason = ""
        self.demanded = False  # the ingest supervisor was asked to pull for this viewer
        self.transcoded = False  # fed from a transcoder that must be released
        self.ticket = ""  # what the site-wide viewer caps count this session as
        servers = [
            RTCIceServer(urls=s.urls, username=s.username, credential=s.credential)
            for s in ice_servers
        ]
        # an explicit list: aiortc would otherwise add a public STUN server of its own
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
        use_relay_certificate(self.pc)  # DTLS with RSA and ECDSA peers (relay/dtls.py)
        self.track = BusTrack(channel, on_sent=on_sent, payloads=payloads)
        self._transceiver: RTCRtpTransceiver | None = None
        self._remote_ufrag: str | None = None
        self._candidates = 0
        self._mdns_skipped = False
        self._closing: asyncio.Future[None] | None = None

    @property
    def state(self) -> str:
        """The peer connection state (new, connecting, connected, failed, closed)."""
        return str(self.pc.connectionState)

    async def answer(self, offer: Offer, stream_plid: str) -> str:
        """Negotiate with the viewer's offer; returns our SDP answer with its host candidates."""
        self._transceiver = self.pc.addTransceiver(self.track, direction="sendonly")
        self._transceiver.setCodecPreferences(h264.preferences(stream_plid))
        # RTCRtpSender asks its encoder for a keyframe on PLI/FIR; ours come from the cache
        self._transceiver.sender._send_keyframe = self.track.request_keyframe  # type: ignore[method-assign]
        # and it packs what the track gives with its encoder, made on first use: ours shares
        # the payloads packetized once per picture (aiortc keeps the attribute private)
        setattr(self._transceiver.sender, "_RTCRtpSender__encoder", SharedPacker())  # noqa: B010
        self._remote_ufrag = _ufrag(offer.sdp)
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
        except Exception as exc:  # aiortc's parser and negotiation may raise anything
            raise InvalidInput(f"offer rejected: {_describe(exc)}") from None
        answer_actpass_as_server(self.pc)  # a=setup:passive to actpass (relay/dtls.py)
        try:
            answer = await asyncio.wait_for(self.pc.createAnswer(), NEGOTIATE_TIMEOUT_S)
            await asyncio.wait_for(self.pc.setLocalDescription(answer), NEGOTIATE_TIMEOUT_S)
        except TimeoutError:
            raise Unavailable("gathering ICE candidates took too long") from None
        except Exception as exc:
            raise InvalidInput(f"offer rejected: {_describe(exc)}") from None
        self.answered_at = time.monotonic()
        return str(self.pc.localDescription.sdp)

    def mark_connected(self) -> None:
        if self.connected_at is None:
            self.connected_at = time.monotonic()

    async def add_candidates(self, fragment: str) -> None:
        """Apply a trickle-ICE SDP fragment (RFC 8840): remote candidates, end-of-candidates.
        The whole fragment is checked before any of it is applied: a refused PATCH changes
        nothing."""
        mid: str | None = None
        parsed: list[RTCIceCandidate] = []
        mdns = end = False
        for raw in fragment.replace("\r\n", "\n").split("\n"):
            line = raw.strip()
            if line.startswith("a=ice-ufrag:"):
                if self._remote_ufrag is not None and line[12:] != self._remote_ufrag:
                    raise InvalidInput("ICE restart is not supported; DELETE and POST a new offer")
            elif line.startswith("a=mid:"):
                mid = line[6:]
            elif line.startswith("a=candidate:"):
                if is_mdns_candidate(line):
                    mdns = True  # see relay.sdp.without_mdns_candidates
                    continue
                if self._candidates + len(parsed) >= MAX_TRICKLE_CANDIDATES:
                    raise InvalidInput(f"more than {MAX_TRICKLE_CANDIDATES} remote candidates")
                try:
                    candidate = candidate_from_sdp(line[12:])
                except (AssertionError, ValueError, IndexError):
                    raise InvalidInput("malformed a=candidate line") from None
                candidate.sdpMid = mid
                candidate.sdpMLineIndex = 0 if mid is None else None
                parsed.append(candidate)
            elif line == "a=end-of-candidates":
                end = True
        self._mdns_skipped = self._mdns_skipped or mdns
        self._candidates += len(parsed)
        for candidate in parsed:
            await self.pc.addIceCandidate(candidate)
        if end and not self._mdns_skipped:
            await self.pc.addIceCandidate(None)  # (after skipped names: wait for checks)

    async def close(self, reason: str) -> None:
        """End the session and free what it holds; concurrent callers wait for the same close."""
        if self._closing is not None:
            await asyncio.shield(self._closing)
            return
        self._closing = asyncio.get_running_loop().create_future()
        self.closed = True
        self.close_reason = reason
        self.track.stop()
        try:
            await asyncio.wait_for(self.pc.close(), CLOSE_TIMEOUT_S)
        except TimeoutError:
            log.warning("peer connection of session %s did not close in time", self.id)
        except Exception:
            log.exception("closing the peer connection of session %s", self.id)
        finally:
            self._closing.set_result(None)


def _ufrag(sdp: str) -> str | None:
    for line in sdp.splitlines():
        if line.startswith("a=ice-ufrag:"):
            return line[12:].strip()
    return None


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
