"""RTSP/1.0 requests and responses on the wire: parse one request, format one response."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_HEADER_BYTES = 8192
MAX_BODY_BYTES = 4096

REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    453: "Not Enough Bandwidth",
    454: "Session Not Found",
    455: "Method Not Valid in This State",
    459: "Aggregate Operation Not Allowed",
    461: "Unsupported Transport",
    501: "Not Implemented",
    503: "Service Unavailable",
    505: "RTSP Version Not Supported",
}


class BadRequest(Exception):
    """The bytes are not an RTSP request we can answer; the connection is closed."""


@dataclass(slots=True)
class Request:
    """One parsed request. Header names are kept lower-case."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def cseq(self) -> str:
        return self.headers.get("cseq", "0")


@dataclass(slots=True)
class Response:
    """A response to send; `close` asks the connection to hang up after writing it."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    close: bool = False


def parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    """Method, URL and headers of a request head (without the blank line)."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("request head is not UTF-8") from exc
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("RTSP/"):
        raise BadRequest("malformed request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise BadRequest("malformed header line")
        headers[name.strip().lower()] = value.strip()
    return parts[0].upper(), parts[1], headers


def content_length(headers: dict[str, str]) -> int:
    """The announced body length; BadRequest if it is not a number or too large."""
    raw = headers.get("content-length", "0")
    if not raw.isdigit():
        raise BadRequest("bad Content-Length")
    length = int(raw)
    if length > MAX_BODY_BYTES:
        raise BadRequest("request body too large")
    return length


def format_response(response: Response, cseq: str) -> bytes:
    """The response's bytes, with CSeq echoed and Content-Length set."""
    reason = REASONS.get(response.status, "Error")
    lines = [f"RTSP/1.0 {response.status} {reason}", f"CSeq: {cseq}", "Server: vms-camsim"]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    if response.body:
        lines.append(f"Content-Length: {len(response.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + response.body
