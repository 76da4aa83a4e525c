"""An RTSP session: one client receiving one camera stream, over TCP interleaved or UDP.

Sending never awaits: packets go to the asyncio transport, and a client whose transport has
more than the configured backlog queued skips whole frames (then waits for the next keyframe
so its decoder never sees a broken reference). A client that keeps skipping is dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from camsim.rtp import interleave


@dataclass(slots=True)
class TcpSink:
    """RTP and RTCP framed on the RTSP connection itself (RTP/AVP/TCP;interleaved=a-b)."""

    transport: asyncio.Transport
    rtp_channel: int
    rtcp_channel: int

    def backlog(self) -> int:
        return self.transport.get_write_buffer_size()

    def closed(self) -> bool:
        return self.transport.is_closing()

    def send_rtp(self, packets: list[bytes], blob: Callable[[int], bytes]) -> None:
        self.transport.write(blob(self.rtp_channel))

    def send_rtcp(self, packet: bytes) -> None:
        self.transport.write(interleave([packet], self.rtcp_channel))

    def description(self) -> str:
        return f"RTP/AVP/TCP;unicast;interleaved={self.rtp_channel}-{self.rtcp_channel}"


@dataclass(slots=True)
class UdpSink:
    """RTP and RTCP sent from the server's shared UDP ports to the client's ports."""

    rtp: asyncio.DatagramTransport
    rtcp: asyncio.DatagramTransport
    rtp_addr: tuple[str, int]
    rtcp_addr: tuple[str, int]

    def backlog(self) -> int:
        # asyncio's selector datagram transport has a write buffer; the ABC does not say so.
        return cast(asyncio.WriteTransport, self.rtp).get_write_buffer_size()

    def closed(self) -> bool:
        return self.rtp.is_closing()

    def send_rtp(self, packets: list[bytes], blob: Callable[[int], bytes]) -> None:
        for packet in packets:
            self.rtp.sendto(packet, self.rtp_addr)

    def send_rtcp(self, packet: bytes) -> None:
        self.rtcp.sendto(packet, self.rtcp_addr)

    def description(self) -> str:
        server_rtp = self.rtp.get_extra_info("sockname")[1]
        server_rtcp = self.rtcp.get_extra_info("sockname")[1]
        return (
            f"RTP/AVP;unicast;client_port={self.rtp_addr[1]}-{self.rtcp_addr[1]}"
            f";server_port={server_rtp}-{server_rtcp}"
        )


Sink = TcpSink | UdpSink


class Session:
    """One SETUP: which stream, where its packets go, and whether it is playing."""

    def __init__(
        self, session_id: str, camera: int, stream: str, sink: Sink, hangup: Callable[[], None]
    ) -> None:
        self.id = session_id
        self.hangup = hangup  # closes the client's RTSP connection
        self.camera = camera
        self.stream = stream
        self.sink = sink
        self.playing = False
        self.waiting_keyframe = True
        self.skipped_in_row = 0
        self.skipped_total = 0

    def deliver(
        self,
        packets: list[bytes],
        blob: Callable[[int], bytes],
        keyframe: bool,
        backlog_limit: int,
    ) -> bool:
        """Send one frame; False if it was skipped because the client is behind."""
        if self.waiting_keyframe:
            if not keyframe:
                return True
            self.waiting_keyframe = False
        if self.sink.backlog() > backlog_limit:
            self.skipped_in_row += 1
            self.skipped_total += 1
            self.waiting_keyframe = True
            return False
        self.skipped_in_row = 0
        self.sink.send_rtp(packets, blob)
        return True
