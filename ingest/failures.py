"""Why a stream failed, in words a person can act on, and whether it is the network or us.

FFmpeg's own messages name the URL (with credentials once joined), so exception text is never
used verbatim: every failure maps to a fixed sentence here.
"""

from __future__ import annotations

import errno

import av.error

from ingest.health import StreamState
from ingest.urls import InvalidCameraUrl

# One sentence for a refused, silent, reset or unrouted connection, so a status cannot be used to
# tell open, closed and missing ports apart (a port scan through the camera form).
UNREACHABLE = "camera unreachable: check that it is on and that the address and port are right"
_UNREACHABLE_ERRNOS = frozenset(
    {errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ECONNRESET, errno.EPIPE,
     errno.ETIMEDOUT, errno.EIO}
)  # fmt: skip


class HostNotFound(Exception):
    """The camera's host name did not resolve."""


class Unreachable(Exception):
    """No stream could be had from the camera's address (closed, silent or another service)."""


class NotVideo(Exception):
    """The source opened but carries no video we can pass on."""


class SourceRefused(Exception):
    """FFmpeg's whitelist refused a protocol or format the source led to (args: kind, name)."""


class Stalled(Exception):
    """No packet arrived within the stall timeout."""


def describe_failure(exc: BaseException) -> tuple[StreamState, str]:
    """(state, reason) for an exception raised while opening or reading a stream."""
    offline, error = StreamState.OFFLINE, StreamState.ERROR
    if isinstance(exc, Stalled):
        return StreamState.STALLED, "no video for too long: stalled, reconnecting"
    if isinstance(exc, HostNotFound):
        return offline, "host not found: check the camera's address"
    if isinstance(exc, NotVideo):
        return error, f"not a video stream: {exc.args[0] if exc.args else 'no video track'}"
    if isinstance(exc, SourceRefused):
        kind, name = exc.args
        what = f"'{name}:' URL" if kind == "protocol" else f"'{name}' format"
        return error, f"refused by the URL policy: the source leads to a {what}, not allowed"
    if isinstance(exc, av.error.ProtocolNotFoundError):
        return error, "this server's FFmpeg cannot open this kind of URL (protocol not built in)"
    if isinstance(exc, av.error.HTTPUnauthorizedError):
        return error, "401 from camera: check credentials"
    if isinstance(exc, av.error.HTTPForbiddenError):
        return error, "403 from camera: this account may not view the stream"
    if isinstance(exc, av.error.HTTPNotFoundError):
        return error, "404 from camera: check the stream path in the URL"
    if isinstance(exc, av.error.HTTPServerError):
        return offline, "the camera answered with a server error: rebooting or overloaded?"
    if isinstance(exc, av.error.HTTPClientError):
        return error, "the camera refused the request: check the URL"
    if isinstance(exc, av.error.InvalidDataError | av.error.DecoderNotFoundError):
        return error, "not a video stream: the server's answer is not a stream we can read"
    if isinstance(exc, av.error.PermissionError):
        return error, "refused by the URL policy: the source tried another protocol"
    if isinstance(exc, InvalidCameraUrl):
        return error, f"refused by the URL policy: {exc}"
    if isinstance(exc, Unreachable | av.error.ExitError | TimeoutError | av.error.EOFError):
        return offline, UNREACHABLE
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS:
        return offline, UNREACHABLE
    if isinstance(exc, av.error.FFmpegError):
        return offline, f"stream failed: {exc.strerror}"
    return offline, f"stream failed: {type(exc).__name__}"
