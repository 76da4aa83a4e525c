"""A minimal RTSP client for tests: speaks the protocol by hand so tests see the raw answers
(status codes, headers, SDP) and the raw RTP packets, with nothing in between."""

from __future__ import annotations

import asyncio
import hashlib
import re
import struct
from dataclasses import dataclass, field


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class RtpPacket:
    seq: int
    timestamp: int
    marker: bool
    ssrc: int
    payload: bytes


@dataclass
class RtspClient:
    """One TCP connection to an RTSP server."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    cseq: int = 0
    session: str | None = None
    auth: tuple[str, str] | None = None
    challenge: dict[str, str] = field(default_factory=dict)
    rtcp: list[bytes] = field(default_factory=list)

    @classmethod
    async def connect(cls, host: str, port: int) -> RtspClient:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def request(self, method: str, url: str, headers: dict[str, str] | None = None) -> Reply:
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}"]
        if self.session:
            lines.append(f"Session: {self.session}")
        if self.auth and self.challenge:
            lines.append(f"Authorization: {digest(self.auth, self.challenge, method, url)}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        reply = await self.read_reply()
        if reply.status == 401 and self.auth and not self.challenge:
            self.challenge = parse_challenge(reply.headers["www-authenticate"])
            return await self.request(method, url, headers)
        return reply

    async def read_reply(self) -> Reply:
        while True:
            first = await self.reader.readexactly(1)
            if first == b"$":  # interleaved data before our reply: skip it
                head = await self.reader.readexactly(3)
                await self.reader.readexactly(struct.unpack("!H", head[1:])[0])
                continue
            head = first + await self.reader.readuntil(b"\r\n\r\n")
            break
        lines = head.decode().split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        body = await self.reader.readexactly(length) if length else b""
        return Reply(status, headers, body)

    async def play_tcp(self, url: str) -> None:
        """DESCRIBE, SETUP (interleaved 0-1) and PLAY; raises if any step fails."""
        for method, extra in (
            ("DESCRIBE", {"Accept": "application/sdp"}),
            ("SETUP", {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}),
            ("PLAY", {}),
        ):
            target = f"{url}/trackID=0" if method == "SETUP" else url
            reply = await self.request(method, target, extra)
            assert reply.status == 200, f"{method} answered {reply.status}"
            if method == "SETUP":
                self.session = reply.headers["session"].split(";")[0]

    async def read_rtp(self) -> RtpPacket:
        """The next interleaved RTP packet (channel 0); RTCP on channel 1 is kept in `rtcp`."""
        while True:
            head = await self.reader.readexactly(4)
            assert head[0] == 0x24, f"expected interleaved data, got {head!r}"
            data = await self.reader.readexactly(struct.unpack("!H", head[2:])[0])
            if head[1] == 1:
                self.rtcp.append(data)
                continue
            b1, seq, ts, ssrc = data[1], *struct.unpack("!HII", data[2:12])
            return RtpPacket(seq, ts, bool(b1 & 0x80), ssrc, data[12:])

    async def read_frame(self) -> tuple[list[RtpPacket], bytes]:
        """The packets of the next access unit and the access unit as Annex-B."""
        packets = []
        while True:
            packet = await self.read_rtp()
            packets.append(packet)
            if packet.marker:
                return packets, depacketize([p.payload for p in packets])

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except ConnectionError:
            pass


def depacketize(payloads: list[bytes]) -> bytes:
    """Annex-B from RFC 6184 payloads (single NAL units and FU-A)."""
    out = bytearray()
    for p in payloads:
        kind = p[0] & 0x1F
        if kind == 28:
            if p[1] & 0x80:
                out += b"\x00\x00\x00\x01" + bytes([(p[0] & 0xE0) | (p[1] & 0x1F)])
            out += p[2:]
        else:
            out += b"\x00\x00\x00\x01" + p
    return bytes(out)


def parse_challenge(header: str) -> dict[str, str]:
    scheme, _, rest = header.partition(" ")
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', rest))
    fields["scheme"] = scheme
    return fields


def digest(auth: tuple[str, str], challenge: dict[str, str], method: str, uri: str) -> str:
    """An RFC 2617 Digest Authorization value (no qop), computed independently of the server."""
    user, password = auth

    def md5(s: str) -> str:
        return hashlib.md5(s.encode()).hexdigest()

    realm, nonce = challenge["realm"], challenge["nonce"]
    response = md5(f"{md5(f'{user}:{realm}:{password}')}:{nonce}:{md5(f'{method}:{uri}')}")
    return (
        f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
        f'response="{response}"'
    )
