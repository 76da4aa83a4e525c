"""Validation of a viewer's SDP offer before any of it reaches aiortc.

aiortc's parser trusts its input and may raise anything (or build thousands of transceivers) on
a hostile offer, so every offer is checked here first: size, structure, m-line count, payload
types, DTLS fingerprint, ICE credentials, and an H.264 format we can send as the camera sent it.
Each failure is an `InvalidInput` whose message tells the sender what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vms.errors import InvalidInput, PayloadTooLarge

MAX_OFFER_BYTES = 64 * 1024
MAX_MEDIA_SECTIONS = 16
MAX_LINES = 2000
NO_H264 = "offer has no H.264 video; this server sends H.264"

_LINE = re.compile(r"^[a-z]=[\x20-\x7e\t]*$")
_MEDIA = re.compile(r"^m=(\w+) (\d+)(?:/\d+)? ([A-Za-z0-9/]+)(?: (.+))?$")
_RTPMAP = re.compile(r"^a=rtpmap:(\d+) ([\w.+-]+)/(\d+)(?:/\d+)?$")
_FMTP = re.compile(r"^a=fmtp:(\d+) (.*)$")
_PROFILE_LEVEL_ID = re.compile(r"^[0-9a-fA-F]{6}$")
_DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")


@dataclass(frozen=True, slots=True)
class H264Format:
    """One H.264 payload type the viewer offered to receive."""

    payload_type: int
    profile_level_id: str
    packetization_mode: int


@dataclass(slots=True)
class MediaSection:
    """What we need to know of one m= section of the offer."""

    kind: str
    port: int
    proto: str
    payload_types: list[int]
    mid: str | None = None
    direction: str = "sendrecv"
    rtpmap: dict[int, str] = field(default_factory=dict)
    fmtp: dict[int, dict[str, str]] = field(default_factory=dict)
    has_fingerprint: bool = False
    has_ice: bool = False

    def h264_formats(self) -> list[H264Format]:
        """The offered H.264 formats, in the viewer's order of preference."""
        formats = []
        for pt in self.payload_types:
            if self.rtpmap.get(pt, "").lower() != "h264":
                continue
            params = self.fmtp.get(pt, {})
            # RFC 6184: no profile-level-id means constrained baseline level 3.1 (42e01f)
            plid = params.get("profile-level-id", "42e01f")
            mode = params.get("packetization-mode", "0")
            if not _PROFILE_LEVEL_ID.match(plid) or mode not in ("0", "1", "2"):
                raise InvalidInput(f"offer: H.264 payload type {pt} has a malformed a=fmtp line")
            formats.append(H264Format(pt, plid.lower(), int(mode)))
        return formats


@dataclass(frozen=True, slots=True)
class Offer:
    """A validated offer: its text and the video section we will answer with our stream."""

    sdp: str
    video: MediaSection
    media: list[MediaSection]


def check_size(length: int) -> None:
    """Refuse an offer body over the cap before reading or parsing it."""
    if length > MAX_OFFER_BYTES:
        raise PayloadTooLarge(f"SDP offer is {length} bytes; the limit is {MAX_OFFER_BYTES}")


def parse_offer(body: bytes) -> Offer:
    """Validate an SDP offer; raise InvalidInput naming the first problem found."""
    check_size(len(body))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("offer: SDP is not UTF-8 text") from None
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line]
    if not lines or lines[0] != "v=0":
        raise InvalidInput("offer: SDP must start with v=0")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"offer: SDP has {len(lines)} lines; at most {MAX_LINES} are accepted")
    session_fingerprint = session_ice = False
    has_origin = False
    media: list[MediaSection] = []
    for number, line in enumerate(lines, start=1):
        if not _LINE.match(line):
            raise InvalidInput(f"offer: line {number} is not a valid SDP line")
        if line.startswith("m="):
            if len(media) >= MAX_MEDIA_SECTIONS:
                raise InvalidInput(
                    f"offer: more than {MAX_MEDIA_SECTIONS} media sections; this is a viewer offer"
                )
            media.append(_media_line(line, number))
        elif not media:
            has_origin = has_origin or line.startswith("o=")
            session_fingerprint = session_fingerprint or line.startswith("a=fingerprint:")
            session_ice = session_ice or line.startswith("a=ice-ufrag:")
        else:
            _media_attribute(media[-1], line, number)
    if not has_origin:
        raise InvalidInput("offer: SDP has no o= line")
    if not media:
        raise InvalidInput("offer: SDP has no media section (m= line)")
    for section in media:
        if section.port != 0 and not (section.has_fingerprint or session_fingerprint):
            raise InvalidInput(
                f"offer: {section.kind} section has no a=fingerprint (DTLS is required)"
            )
        if section.port != 0 and not (section.has_ice or session_ice):
            raise InvalidInput(f"offer: {section.kind} section has no a=ice-ufrag/a=ice-pwd")
    video = _pick_video(media)
    return Offer(sdp=without_mdns_candidates(text, lines), video=video, media=media)


def is_mdns_candidate(attribute: str) -> bool:
    """An `a=candidate:` line (or its value) whose address is an mDNS name (`<uuid>.local`)."""
    fields = attribute.split()
    return len(fields) > 4 and fields[4].lower().endswith(".local")


def _mdns_line(line: str) -> bool:
    return line.startswith("a=candidate:") and is_mdns_candidate(line)


def without_mdns_candidates(text: str, lines: list[str]) -> str:
    """The offer without candidates named by mDNS (browsers hide their addresses so).

    Resolving such a name takes a multicast query that off the browser's own link never
    answers; aioice waits 1 s for each, in turn, before the answer can go out. The browser's
    connectivity checks reach our host candidates anyway and name its address (a peer-reflexive
    candidate), so the names are dropped; end-of-candidates goes with them, so ICE waits for
    those checks instead of failing on an empty candidate list.
    """
    kept = [
        line for line in lines if not (line.startswith("a=candidate:") and is_mdns_candidate(line))
    ]
    if len(kept) == len(lines):
        return text
    return "\r\n".join(line for line in kept if line != "a=end-of-candidates") + "\r\n"


def _media_line(line: str, number: int) -> MediaSection:
    match = _MEDIA.match(line)
    if match is None:
        raise InvalidInput(f"offer: line {number} is a malformed m= line")
    kind, port, proto, fmts = match.group(1), int(match.group(2)), match.group(3), match.group(4)
    if port > 65535:
        raise InvalidInput(f"offer: line {number} has port {port}")
    payload_types: list[int] = []
    if kind in ("audio", "video"):
        for fmt in (fmts or "").split():
            if not fmt.isdigit() or int(fmt) > 127:
                raise InvalidInput(f"offer: line {number}: payload type {fmt[:16]!r} not in 0-127")
            payload_types.append(int(fmt))
        if not payload_types:
            raise InvalidInput(f"offer: line {number}: {kind} section lists no payload type")
    return MediaSection(kind=kind, port=port, proto=proto, payload_types=payload_types)


def _media_attribute(section: MediaSection, line: str, number: int) -> None:
    if line.startswith("a=rtpmap:"):
        match = _RTPMAP.match(line)
        if match is None:
            raise InvalidInput(f"offer: line {number} is a malformed a=rtpmap")
        pt = int(match.group(1))
        if pt > 127:
            raise InvalidInput(f"offer: line {number}: payload type {pt} not in 0-127")
        section.rtpmap[pt] = match.group(2)
    elif line.startswith("a=fmtp:"):
        match = _FMTP.match(line)
        if match is None or int(match.group(1)) > 127:
            raise InvalidInput(f"offer: line {number} is a malformed a=fmtp")
        params: dict[str, str] = {}
        for item in match.group(2).split(";"):
            key, _, value = item.strip().partition("=")
            if key:
                params[key.lower()] = value.strip()
        section.fmtp[int(match.group(1))] = params
    elif line.startswith("a=mid:"):
        section.mid = line[6:]
    elif line.startswith("a=fingerprint:"):
        section.has_fingerprint = True
    elif line.startswith("a=ice-ufrag:"):
        section.has_ice = True
    elif line[2:] in _DIRECTIONS:
        section.direction = line[2:]


def _pick_video(media: list[MediaSection]) -> MediaSection:
    videos = [m for m in media if m.kind == "video" and m.port != 0]
    if not videos:
        raise InvalidInput(NO_H264)
    video = videos[0]
    if video.direction not in ("recvonly", "sendrecv"):
        raise InvalidInput(
            f"offer: the video section is {video.direction}; a viewer offers recvonly"
        )
    if not video.proto.upper().endswith("SAVPF"):
        raise InvalidInput(
            f"offer: video transport {video.proto} is not WebRTC (UDP/TLS/RTP/SAVPF)"
        )
    formats = video.h264_formats()
    if not formats:
        raise InvalidInput(NO_H264)
    if not any(f.packetization_mode == 1 for f in formats):
        raise InvalidInput(
            "offer: H.264 is offered only in packetization-mode 0; this server sends mode 1"
        )
    return video
