"""The relay: every viewer session of this server, its caps, its reaper and its counters.

`RelayManager.open()` turns a validated WHEP offer into a session fed from the frame bus;
`close()` ends one. Caps are checked before any socket is opened. A reaper task, owned here,
ends sessions that never connect or whose ICE/DTLS failed, so nothing leaks when a browser
vanishes. On-demand cameras are asked for (`demand`) at a viewer's start and released at its end.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from ingest.frame_bus import Channel, FrameBus
from ingest.packet import EncodedPacket, StreamKey
from relay import h264
from relay.config import RelayConfig
from relay.ice import HostCandidatePolicy, stop_consent_checks
from relay.packetize import PayloadCache
from relay.sdp import Offer
from relay.session import Viewer, ViewerSession
from relay.transcode import TranscoderPool, conversion_reason
from vms.errors import InvalidInput, NotFound, TooManyRequests, Unavailable

log = logging.getLogger(__name__)

REAP_INTERVAL_S = 1.0
DEMAND_TIMEOUT_S = 5.0
PICTURE_POLL_S = 0.02


def retry_after(seconds: int) -> dict[str, str]:
    """The response header telling a refused viewer when to try again."""
    return {"Retry-After": str(seconds)}


class DemandSource(Protocol):
    """The narrow part of the ingest supervisor the relay needs (on-demand cameras)."""

    def demand(self, key: StreamKey) -> object: ...
    def release(self, key: StreamKey) -> object: ...


@dataclass(frozen=True, slots=True)
class RelayStats:
    """Counters for /metrics."""

    sessions: int
    sessions_connected: int
    sessions_opened_total: int
    sessions_closed_total: int
    sessions_refused_total: int
    packets_sent_total: int
    bytes_sent_total: int
    keyframe_replays_total: int
    transcoders_running: int
    transcoders_refused_total: int


class Admission(Protocol):
    """Caps counted beyond this process (a site of several nodes): `admit` says which cap is
    full ("address" or "user") or None, and counts `ticket` until `release`."""

    async def admit(
        self, ticket: str, address: str, user: str | None, per_address: int, per_user: int
    ) -> str | None: ...

    async def release(self, ticket: str) -> None: ...


class RelayManager:
    """Owns every viewer session; build with the bus, start/stop with the server."""

    def __init__(
        self,
        config: RelayConfig,
        bus: FrameBus,
        *,
        ingest: Callable[[], DemandSource | None] = lambda: None,
        offline_reason: Callable[[StreamKey], str | None] = lambda _key: None,
        on_start: Callable[[ViewerSession], None] | None = None,
        on_end: Callable[[ViewerSession], None] | None = None,
        admission: Callable[[], Admission | None] = lambda: None,
    ) -> None:
        self.config = config
        self.bus = bus
        self.transcoders = TranscoderPool(bus, config.max_transcoders)
        self.payloads = PayloadCache()  # RTP payloads made once per picture for all viewers
        self._ingest = ingest
        self._offline_reason = offline_reason
        self._on_start = on_start  # a view began (the audit trail records it)
        self._on_end = on_end  # a view ended; session.close_reason says why
        self._admission = admission  # the site-wide caps, if the site counts them
        self._policy = HostCandidatePolicy(config.ice_interfaces)
        self._sessions: dict[str, ViewerSession] = {}
        self._started: dict[str, ViewerSession] = {}  # reported to on_start, owed an on_end
        self._per_address: Counter[str] = Counter()
        self._per_user: Counter[str] = Counter()
        self._reaper: asyncio.Task[None] | None = None
        self._closers: set[asyncio.Task[Any]] = set()
        self.opened_total = 0
        self.closed_total = 0
        self.refused_total = 0
        self.packets_total = 0
        self.bytes_total = 0
        self._replays_closed = 0

    async def start(self) -> None:
        """Install the ICE host policy and H.264 profiles; start the reaper."""
        self._policy.install()
        h264.register_profiles()
        self._reaper = asyncio.get_running_loop().create_task(self._reap(), name="relay-reaper")

    async def stop(self) -> None:
        """End every session and transcoder; leave aioice as we found it."""
        if self._reaper is not None:
            self._reaper.cancel()
            await asyncio.gather(self._reaper, return_exceptions=True)
            self._reaper = None
        await asyncio.gather(
            *(self.close(s.id, "server stopping") for s in list(self._sessions.values())),
            return_exceptions=True,
        )
        await asyncio.gather(*self._closers, return_exceptions=True)
        await self.transcoders.stop()
        self._policy.uninstall()

    def __len__(self) -> int:
        return len(self._sessions)

    def has(self, session_id: str) -> bool:
        """A session of this name runs here."""
        return session_id in self._sessions

    def get(self, session_id: str) -> ViewerSession:
        """The session named by a WHEP resource URL; NotFound once it has ended."""
        session = self._sessions.get(session_id)
        if session is None:
            raise NotFound("no such WHEP session (it ended or never existed)")
        return session

    def running(self) -> list[ViewerSession]:
        """The sessions not yet closed (the access watcher re-decides each)."""
        return [s for s in self._sessions.values() if not s.closed]

    def stats(self) -> RelayStats:
        sessions = list(self._sessions.values())
        return RelayStats(
            sessions=len(sessions),
            sessions_connected=sum(1 for s in sessions if s.connected_at is not None),
            sessions_opened_total=self.opened_total,
            sessions_closed_total=self.closed_total,
            sessions_refused_total=self.refused_total,
            packets_sent_total=self.packets_total,
            bytes_sent_total=self.bytes_total,
            keyframe_replays_total=self._replays_closed
            + sum(s.track.keyframe_replays for s in sessions),
            transcoders_running=self.transcoders.running,
            transcoders_refused_total=self.transcoders.refused_total,
        )

    async def open(self, key: StreamKey, offer: Offer, viewer: Viewer) -> ViewerSession:
        """Start a session for `viewer` on `key`; the answer is `session.pc.localDescription`."""
        self._check_caps(viewer)
        ticket = secrets.token_hex(12)
        await self._admit_site_wide(ticket, viewer)
        self._per_address[viewer.address] += 1
        if viewer.user is not None:
            self._per_user[viewer.user] += 1
        demanded = transcoded = False
        session: ViewerSession | None = None
        try:
            demanded = await self._demand(key)
            channel = await self._wait_for_picture(self.bus.channel(key), key)
            info = channel.info
            reason = conversion_reason(info, channel.gop[0].codec)
            if reason is not None:
                channel = self.transcoders.acquire(key, reason)
                transcoded = True
                channel = await self._wait_for_picture(channel, key)
            plid = h264.profile_level_id(channel.gop[0].data)
            if not h264.receivable(plid, offer.video.h264_formats()):
                raise InvalidInput(
                    f"offer's H.264 formats cannot carry this camera's {h264.describe(plid)} "
                    "stream; offer that profile with packetization-mode=1"
                )
            session = ViewerSession(
                key,
                viewer,
                channel,
                self.config.ice_servers,
                on_sent=self._count_sent,
                payloads=self.payloads,
            )
            session.transcoded = transcoded
            session.demanded = demanded
            session.ticket = ticket
            self._sessions[session.id] = session
            session.pc.on("connectionstatechange", lambda: self._on_state(session))
            await session.answer(offer, plid)
        except BaseException:
            if session is not None and session.id in self._sessions:
                await self.close(session.id, "negotiation failed")
            else:
                await self._release(
                    key, viewer, demanded=demanded, transcoded=transcoded, ticket=ticket
                )
            raise
        self.opened_total += 1
        log.info(
            "viewer session %s opened for %s from %s",
            session.id,
            key,
            viewer.address,
            extra={"camera_id": key.camera_id, "stream": key.stream, "session_id": session.id},
        )
        self._started[session.id] = session
        self._notify(self._on_start, session)
        return session

    async def close(self, session_id: str, reason: str) -> None:
        """End a session and free everything it held (idempotent)."""
        session = self._sessions.pop(session_id, None)
        if session is None:
            return
        self.closed_total += 1
        self._replays_closed += session.track.keyframe_replays
        await session.close(reason)
        self._own(stop_consent_checks(session.pc))
        await self._release(
            session.key,
            session.viewer,
            demanded=session.demanded,
            transcoded=session.transcoded,
            ticket=session.ticket,
        )
        log.info(
            "viewer session %s closed: %s",
            session_id,
            reason,
            extra={"camera_id": session.key.camera_id, "session_id": session_id},
        )
        if self._started.pop(session_id, None) is not None:  # started views only
            self._notify(self._on_end, session)

    @staticmethod
    def _notify(callback: Callable[[ViewerSession], None] | None, session: ViewerSession) -> None:
        if callback is None:
            return
        try:
            callback(session)
        except Exception:
            log.exception("view callback failed for session %s", session.id)

    def _check_caps(self, viewer: Viewer) -> None:
        if len(self._sessions) >= self.config.max_sessions:
            self.refused_total += 1
            raise Unavailable(
                f"the server is at its limit of {self.config.max_sessions} viewer sessions",
                headers=retry_after(10),
            )
        if self._per_address[viewer.address] >= self.config.max_sessions_per_address:
            self.refused_total += 1
            raise TooManyRequests(
                f"{viewer.address} already holds {self.config.max_sessions_per_address} "
                "viewer sessions; close some (DELETE) first",
                headers=retry_after(5),
            )
        if viewer.user is not None and (
            self._per_user[viewer.user] >= self.config.max_sessions_per_user
        ):
            self.refused_total += 1
            raise TooManyRequests(
                f"you already hold {self.config.max_sessions_per_user} viewer sessions; "
                "close some first",
                headers=retry_after(5),
            )

    async def _admit_site_wide(self, ticket: str, viewer: Viewer) -> None:
        admission = self._admission()
        if admission is None:
            return
        cfg = self.config
        full = await admission.admit(
            ticket, viewer.address, viewer.user, cfg.max_sessions_per_address,
            cfg.max_sessions_per_user,
        )  # fmt: skip
        if full is None:
            return
        self.refused_total += 1
        if full == "address":
            raise TooManyRequests(
                f"{viewer.address} already holds {cfg.max_sessions_per_address} viewer "
                "sessions on this site; close some (DELETE) first",
                headers=retry_after(5),
            )
        raise TooManyRequests(
            f"you already hold {cfg.max_sessions_per_user} viewer sessions on this site; "
            "close some first",
            headers=retry_after(5),
        )

    async def _demand(self, key: StreamKey) -> bool:
        ingest = self._ingest()
        if ingest is None:
            return False
        result = ingest.demand(key)
        if inspect.isawaitable(result):
            await asyncio.wait_for(result, DEMAND_TIMEOUT_S)
        return True

    async def _wait_for_picture(self, channel: Channel, key: StreamKey) -> Channel:
        deadline = time.monotonic() + self.config.start_wait_s
        while not channel.gop:
            if time.monotonic() >= deadline:
                reason = self._offline_reason(key) or "no picture from the camera yet"
                raise Unavailable(
                    f"camera stream {key} is not available: {reason}",
                    headers=retry_after(5),
                )
            await asyncio.sleep(PICTURE_POLL_S)
        return channel

    async def _release(
        self, key: StreamKey, viewer: Viewer, *, demanded: bool, transcoded: bool, ticket: str
    ) -> None:
        admission = self._admission()
        if admission is not None:
            await admission.release(ticket)
        self._per_address[viewer.address] -= 1
        if self._per_address[viewer.address] <= 0:
            del self._per_address[viewer.address]
        if viewer.user is not None:
            self._per_user[viewer.user] -= 1
            if self._per_user[viewer.user] <= 0:
                del self._per_user[viewer.user]
        if transcoded:
            await self.transcoders.release(key)
        ingest = self._ingest() if demanded else None
        if ingest is not None:
            try:
                result = ingest.release(key)
                if inspect.isawaitable(result):
                    await asyncio.wait_for(result, DEMAND_TIMEOUT_S)
            except Exception:
                log.exception("releasing on-demand stream %s", key)

    def _count_sent(self, packet: EncodedPacket) -> None:
        self.packets_total += 1
        self.bytes_total += len(packet.data)

    def _on_state(self, session: ViewerSession) -> None:
        state = session.state
        if state == "connected":
            session.mark_connected()
        elif state in ("failed", "closed") and not session.closed:
            self._close_soon(session.id, f"peer connection {state}")

    def _close_soon(self, session_id: str, reason: str) -> None:
        self._own(self.close(session_id, reason))

    def _own(self, coro: Coroutine[Any, Any, object]) -> None:
        """Run `coro` as a task this manager waits for when it stops."""
        task = asyncio.get_running_loop().create_task(coro)
        self._closers.add(task)
        task.add_done_callback(self._closers.discard)

    async def _reap(self) -> None:
        while True:
            await asyncio.sleep(REAP_INTERVAL_S)
            self._reap_once()

    def _reap_once(self) -> None:
        """End sessions that never connected, failed, or lost their stream (no locals linger)."""
        now = time.monotonic()
        for session in list(self._sessions.values()):
            if session.closed:
                continue
            # still negotiating: open() bounds that itself, and closing a peer connection
            # while aioice gathers leaks the socket it is about to bind
            if session.answered_at is None:
                continue
            if session.connected_at is None and (
                now - session.answered_at > self.config.connect_timeout_s
            ):
                self._close_soon(session.id, "ICE did not connect in time")
            elif session.state in ("failed", "closed"):
                self._close_soon(session.id, f"peer connection {session.state}")
            elif session.track.readyState == "ended":
                self._close_soon(session.id, "camera stream ended")
