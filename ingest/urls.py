"""The URL policy for camera sources: which URLs FFmpeg may be asked to open, and how.

FFmpeg will open far more than cameras (local files, pipes, nested protocols like `concat:` or
`subfile:`), so every camera URL is checked here when a camera is registered and again in the
worker just before `av.open`. The worker also passes FFmpeg a protocol and format whitelist so
that a playlist or redirect cannot reach another protocol either.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import quote, urlsplit, urlunsplit

DEFAULT_SCHEMES = ("rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "srt")

# FFmpeg protocols that read local data or wrap other protocols; named so the error says why.
_DANGEROUS = frozenset(
    {"file", "concat", "concatf", "subfile", "data", "pipe", "fd", "async", "crypto", "cache",
     "tee", "unix", "gopher", "ftp", "md5", "hls", "ipfs", "ipns", "ffrtmpcrypt", "ffrtmphttp"}
)  # fmt: skip

# What FFmpeg itself may open (nested protocols included) for each scheme we accept.
_PROTOCOLS = {
    "rtsp": "rtsp,rtp,srtp,udp,tcp",
    "rtsps": "rtsp,rtsps,rtp,srtp,udp,tcp,tls",
    "rtmp": "rtmp,tcp",
    "rtmps": "rtmps,rtmp,tcp,tls",
    "http": "http,https,tcp,tls,crypto,httpproxy",
    "https": "http,https,tcp,tls,crypto,httpproxy",
    "srt": "srt,udp",
}
# Over HTTP(S) only MJPEG (multipart) and HLS are camera streams; anything else is refused.
_HTTP_FORMATS = "hls,mpjpeg,mjpeg,mpegts,h264,hevc"

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?")
_MAX_LENGTH = 2048


class InvalidCameraUrl(ValueError):
    """A camera URL the server will not open; the message names the problem."""


def validate_camera_url(url: str, allowed_schemes: Iterable[str] = DEFAULT_SCHEMES) -> str:
    """Return `url` (trimmed) if a camera may use it; raise InvalidCameraUrl saying why not."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidCameraUrl("camera URL is empty")
    url = url.strip()
    if len(url) > _MAX_LENGTH:
        raise InvalidCameraUrl(f"camera URL is longer than {_MAX_LENGTH} characters")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise InvalidCameraUrl("camera URL contains control characters (newline, tab, ...)")
    if url.startswith("-"):
        raise InvalidCameraUrl("camera URL must not start with '-'")
    head = url.split(":", 1)[0].lower() if ":" in url else ""
    for part in re.split(r"[+.,]", head):
        if part in _DANGEROUS:
            raise InvalidCameraUrl(
                f"'{part}:' URLs are refused: they read local files or chain other protocols"
            )
    if any(c.isspace() for c in url):
        raise InvalidCameraUrl("camera URL contains spaces; percent-encode them as %20")
    if "|" in url or "\\" in url:
        raise InvalidCameraUrl("camera URL must not contain '|' or '\\' (FFmpeg protocol chaining)")
    scheme, sep, _rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or not re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme):
        raise InvalidCameraUrl("camera URL must look like rtsp://host[:port]/path")
    allowed = {s.lower() for s in allowed_schemes}
    if scheme not in allowed:
        raise InvalidCameraUrl(
            f"scheme '{scheme}' is not allowed; use one of: {', '.join(sorted(allowed))}"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidCameraUrl("camera URL has a bad port (must be a number 1-65535)") from None
    if "@" in parts.netloc:
        raise InvalidCameraUrl(
            "camera URL must not carry a user name or password; "
            "put them in the camera's username and password fields"
        )
    host = parts.hostname
    if not host:
        raise InvalidCameraUrl("camera URL has no host")
    if not _valid_host(host):
        raise InvalidCameraUrl(f"camera URL host '{host}' is not a valid host name or address")
    if port is not None and port == 0:
        raise InvalidCameraUrl("camera URL has a bad port (must be a number 1-65535)")
    if parts.fragment:
        raise InvalidCameraUrl("camera URL must not have a #fragment")
    return url


def _valid_host(host: str) -> bool:
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    labels = host.rstrip(".").split(".")
    return len(host) <= 253 and all(_LABEL.fullmatch(label) for label in labels)


def protocol_whitelist(url: str) -> str:
    """The FFmpeg `protocol_whitelist` for a validated camera URL."""
    return _PROTOCOLS[urlsplit(url).scheme.lower()]


def format_whitelist(url: str) -> str | None:
    """The FFmpeg `format_whitelist` (demuxers allowed), or None when the scheme fixes it."""
    if urlsplit(url).scheme.lower() in ("http", "https"):
        return _HTTP_FORMATS
    return None


def join_credentials(url: str, username: str | None, password: str | None) -> str:
    """`url` with the user name and password inserted; only for av.open, never for a log line."""
    if not username and not password:
        return url
    parts = urlsplit(url)
    if parts.scheme.lower() == "srt":  # SRT has no user name: the password is the passphrase
        if not password:
            return url
        query = f"{parts.query}&" if parts.query else ""
        return urlunsplit(parts._replace(query=f"{query}passphrase={quote(password, safe='')}"))
    userinfo = quote(username or "", safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc}"))
