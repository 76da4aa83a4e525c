"""The simulator's shared UDP ports for RTP and RTCP (an even port and the next one up)."""

from __future__ import annotations

import asyncio


class _Discard(asyncio.DatagramProtocol):
    """Clients' RTCP receiver reports and NAT punches arrive here; we need none of them."""


async def open_udp_pair(
    host: str, attempts: int = 50
) -> tuple[asyncio.DatagramTransport, asyncio.DatagramTransport]:
    """Bind RTP on a free even port and RTCP on the port above it."""
    loop = asyncio.get_running_loop()
    for _ in range(attempts):
        rtp, _proto = await loop.create_datagram_endpoint(_Discard, local_addr=(host, 0))
        port = rtp.get_extra_info("sockname")[1]
        if port % 2 == 0 and port < 65535:
            try:
                rtcp, _proto = await loop.create_datagram_endpoint(
                    _Discard, local_addr=(host, port + 1)
                )
            except OSError:
                pass
            else:
                return rtp, rtcp
        rtp.close()
    raise OSError("no free pair of UDP ports for RTP/RTCP")
