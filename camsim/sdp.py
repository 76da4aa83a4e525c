"""The SDP a DESCRIBE returns for one camera stream, and the URL paths the server accepts."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from camsim.h264 import profile_level_id, sprop_parameter_sets
from camsim.rtp import PAYLOAD_TYPE

TRACK = "trackID=0"
_PATH = re.compile(
    r"^/cam/(?P<camera>[1-9][0-9]{0,5})/(?P<stream>main|sub)(?:/(?P<track>[^/]*))?/?$"
)


def parse_stream_url(url: str) -> tuple[int, str, bool] | None:
    """(camera, stream, names_track) for `rtsp://host/cam/N/main[/trackID=0]`, else None."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    match = _PATH.match(path)
    if match is None:
        return None
    track = match.group("track")
    if track not in (None, "", TRACK):
        return None
    return int(match.group("camera")), match.group("stream"), bool(track)


def describe(
    camera: int, stream: str, host: str, sps: bytes, pps: bytes, fps: int, session_id: int
) -> bytes:
    """An SDP with one H.264 video track, controlled at `<url>/trackID=0`."""
    fmtp = (
        f"packetization-mode=1;profile-level-id={profile_level_id(sps)};"
        f"sprop-parameter-sets={sprop_parameter_sets(sps, pps)}"
    )
    lines = [
        "v=0",
        f"o=- {session_id} 1 IN IP4 {host}",
        f"s=camsim camera {camera} {stream}",
        "c=IN IP4 0.0.0.0",
        "t=0 0",
        "a=control:*",
        "a=range:npt=0-",
        f"m=video 0 RTP/AVP {PAYLOAD_TYPE}",
        f"a=rtpmap:{PAYLOAD_TYPE} H264/90000",
        f"a=fmtp:{PAYLOAD_TYPE} {fmtp}",
        f"a=framerate:{fps}",
        f"a=control:{TRACK}",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")
