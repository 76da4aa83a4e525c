"""One client's RTSP connection: parses requests, answers them, and owns its sessions.

Everything runs synchronously in the protocol callbacks on the event loop: requests are small
and their answers are ready (loops are loaded before the server listens), so no task per
connection is needed and a client can never block another.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import time
from typing import Protocol

from camsim.config import SimConfig
from camsim.faults import CameraFaults
from camsim.rtsp_auth import Authenticator
from camsim.rtsp_message import (
    MAX_HEADER_BYTES,
    BadRequest,
    Request,
    Response,
    content_length,
    format_response,
    parse_head,
)
from camsim.sdp import TRACK, describe, parse_stream_url
from camsim.session import Session, Sink, TcpSink, UdpSink
from camsim.stream import StreamSource

log = logging.getLogger(__name__)
PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER"


class RtspHost(Protocol):
    """What a connection needs from the simulator."""

    config: SimConfig
    authenticator: Authenticator

    def source(self, camera: int, stream: str) -> StreamSource | None: ...

    def faults_of(self, camera: int) -> CameraFaults: ...

    def udp_transports(self) -> tuple[asyncio.DatagramTransport, asyncio.DatagramTransport]: ...

    def admit(self, connection: RtspConnection) -> bool: ...

    def forget(self, connection: RtspConnection) -> None: ...


class RtspConnection(asyncio.Protocol):
    """Serves RTSP/1.0 on one TCP connection (interleaved RTP goes back on it too)."""

    def __init__(self, host: RtspHost) -> None:
        self.host = host
        self.transport: asyncio.Transport | None = None
        self.sessions: dict[str, Session] = {}
        self.cameras: set[int] = set()
        self.last_activity = time.monotonic()
        self._buffer = bytearray()

    # asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if not self.host.admit(self):
            transport.abort()
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_SNDBUF, self.host.config.socket_send_buffer
            )

    def data_received(self, data: bytes) -> None:
        self.last_activity = time.monotonic()
        self._buffer += data
        try:
            self._process()
        except BadRequest as exc:
            log.info("camsim: closing connection after a bad request: %s", exc)
            self._write(Response(400, close=True), "0")

    def connection_lost(self, exc: Exception | None) -> None:
        for session in self.sessions.values():
            self._stop(session)
        self.sessions.clear()
        self.host.forget(self)

    # public -----------------------------------------------------------------------------

    def hangup(self) -> None:
        """Drop the connection at once (camera down, or a client too slow to keep up)."""
        if self.transport is not None:
            self.transport.abort()

    def has_udp_sessions(self) -> bool:
        return any(isinstance(s.sink, UdpSink) for s in self.sessions.values())

    # parsing ----------------------------------------------------------------------------

    def _process(self) -> None:
        buf = self._buffer
        while buf and self.transport is not None and not self.transport.is_closing():
            if buf[0] == 0x24:  # interleaved RTCP from the client (receiver reports)
                if len(buf) < 4:
                    return
                end = 4 + int.from_bytes(buf[2:4], "big")
                if len(buf) < end:
                    return
                del buf[:end]
                continue
            head_end = buf.find(b"\r\n\r\n")
            if head_end < 0:
                if len(buf) > MAX_HEADER_BYTES:
                    raise BadRequest("request head too large")
                return
            method, url, headers = parse_head(bytes(buf[:head_end]))
            body_start = head_end + 4
            length = content_length(headers)
            if len(buf) < body_start + length:
                return
            body = bytes(buf[body_start : body_start + length])
            del buf[: body_start + length]
            request = Request(method, url, headers, body)
            self._write(self._handle(request), request.cseq)

    def _write(self, response: Response, cseq: str) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(format_response(response, cseq))
        if response.close:
            self.transport.close()

    # requests ---------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(200, {"Public": PUBLIC})
        if request.method in ("GET_PARAMETER", "SET_PARAMETER") and request.url == "*":
            return Response(200)
        target = parse_stream_url(request.url)
        if target is None or target[0] > self.host.config.cameras:
            return Response(404)
        camera, stream, _ = target
        source = self.host.source(camera, stream)
        if source is None:
            return Response(404)
        self.cameras.add(camera)
        faults = self.host.faults_of(camera)
        if faults.refusing():
            return Response(503, close=True)
        if faults.auth is not None:
            verdict = self.host.authenticator.check(
                faults.auth, request.method, request.headers.get("authorization")
            )
            if not verdict:
                challenge = self.host.authenticator.challenge(faults.auth, stale=verdict is None)
                return Response(401, {"WWW-Authenticate": challenge})
        handler = {
            "DESCRIBE": self._describe,
            "SETUP": self._setup,
            "PLAY": self._play,
            "PAUSE": self._pause,
            "TEARDOWN": self._teardown,
            "GET_PARAMETER": self._keepalive,
            "SET_PARAMETER": self._keepalive,
        }.get(request.method)
        if handler is None:
            return Response(501, {"Public": PUBLIC})
        return handler(request, source)

    def _describe(self, request: Request, source: StreamSource) -> Response:
        sps, pps = source.prepared.loop.sps_pps
        sdp = describe(
            source.camera, source.kind, self.host.config.host, sps, pps, source.fps, source.ssrc
        )
        base = request.url.split("?")[0].rstrip("/")
        if base.endswith(TRACK):
            base = base[: -len(TRACK) - 1]
        headers = {"Content-Type": "application/sdp", "Content-Base": base + "/"}
        return Response(200, headers, sdp)

    def _setup(self, request: Request, source: StreamSource) -> Response:
        existing = self._session_of(request)
        if existing is None and len(self.sessions) >= self.host.config.max_sessions_per_connection:
            return Response(453)
        sink = self._sink_for(request.headers.get("transport", ""))
        if sink is None:
            return Response(461)
        if existing is not None:
            self._stop(existing)
            del self.sessions[existing.id]
        session_id = existing.id if existing is not None else secrets.token_hex(8)
        session = Session(session_id, source.camera, source.kind, sink, self.hangup)
        self.sessions[session_id] = session
        transport = f"{sink.description()};ssrc={source.ssrc:08X}"
        return Response(200, {"Transport": transport, "Session": self._session_header(session)})

    def _play(self, request: Request, source: StreamSource) -> Response:
        session = self._session_of(request)
        if session is None:
            return Response(454)
        if (session.camera, session.stream) != (source.camera, source.kind):
            return Response(459)
        session.playing = True
        session.waiting_keyframe = True
        source.sessions.add(session)
        headers = {"Session": self._session_header(session), "Range": "npt=0.000-"}
        return Response(200, headers)

    def _pause(self, request: Request, source: StreamSource) -> Response:
        session = self._session_of(request)
        if session is None:
            return Response(454)
        self._stop(session)
        return Response(200, {"Session": self._session_header(session)})

    def _teardown(self, request: Request, source: StreamSource) -> Response:
        session = self._session_of(request)
        if session is None:
            return Response(454)
        self._stop(session)
        del self.sessions[session.id]
        return Response(200)

    def _keepalive(self, request: Request, source: StreamSource) -> Response:
        return Response(200)

    # helpers ----------------------------------------------------------------------------

    def _session_of(self, request: Request) -> Session | None:
        session_id = request.headers.get("session", "").split(";")[0].strip()
        return self.sessions.get(session_id)

    def _session_header(self, session: Session) -> str:
        return f"{session.id};timeout={self.host.config.session_timeout_s}"

    def _stop(self, session: Session) -> None:
        session.playing = False
        source = self.host.source(session.camera, session.stream)
        if source is not None:
            source.sessions.discard(session)

    def _sink_for(self, header: str) -> Sink | None:
        """The first transport in the client's list that we serve (unicast TCP or UDP)."""
        assert self.transport is not None
        for spec in header.split(","):
            parts = [p.strip() for p in spec.split(";")]
            params = {name: value for name, _, value in (p.partition("=") for p in parts[1:])}
            if "multicast" in params:
                continue
            profile = parts[0].upper()
            if profile == "RTP/AVP/TCP":
                first = 2 * len(self.sessions)
                channels = _pair(params.get("interleaved"), (first, first + 1))
                if channels is None or not 0 <= min(channels) <= max(channels) <= 255:
                    continue
                return TcpSink(self.transport, *channels)
            if profile in ("RTP/AVP", "RTP/AVP/UDP"):
                ports = _pair(params.get("client_port"), None)
                if ports is None or not 0 < min(ports) <= max(ports) < 65536:
                    continue
                rtp, rtcp = ports
                peer = self.transport.get_extra_info("peername")[0]
                rtp_out, rtcp_out = self.host.udp_transports()
                return UdpSink(rtp_out, rtcp_out, (peer, rtp), (peer, rtcp))
        return None


def _pair(value: str | None, default: tuple[int, int] | None) -> tuple[int, int] | None:
    """`a-b` (or `a`, meaning `a-(a+1)`) as two ints; the default when absent, None if bad."""
    if value is None:
        return default
    first, _, second = value.partition("-")
    if len(value) > 12 or not first.isdigit() or (second and not second.isdigit()):
        return None
    a = int(first)
    return a, int(second) if second else a + 1
