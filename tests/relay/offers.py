"""Real SDP offers from a plain aiortc viewer, and hostile variants of them."""

from __future__ import annotations

from aiortc import RTCConfiguration, RTCPeerConnection


async def viewer_offer() -> str:
    """The SDP a standard WHEP viewer (aiortc, recvonly video) would POST."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = str(pc.localDescription.sdp)
    await pc.close()
    return sdp


def without(sdp: str, prefix: str) -> str:
    """The offer with every line starting with `prefix` removed."""
    return "\r\n".join(line for line in sdp.splitlines() if not line.startswith(prefix)) + "\r\n"


def only_codec(sdp: str, name: str) -> str:
    """The offer with its video m-line restricted to one codec (by rtpmap name)."""
    lines = sdp.splitlines()
    keep = {
        line.split(":")[1].split()[0]
        for line in lines
        if line.startswith("a=rtpmap:") and line.split()[1].split("/")[0].upper() == name.upper()
    }
    out = []
    for line in lines:
        if line.startswith("m=video"):
            head = line.split()[:3]
            line = " ".join(head + [pt for pt in line.split()[3:] if pt in keep])
        elif line.startswith(("a=rtpmap:", "a=fmtp:", "a=rtcp-fb:")):
            pt = line.split(":")[1].split()[0]
            if pt not in keep:
                continue
        out.append(line)
    return "\r\n".join(out) + "\r\n"
