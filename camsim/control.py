"""A tiny HTTP/1.1 JSON endpoint to inject faults from another process (demo, benchmarks).

    POST /cameras/{n}/faults  {"kind": "drop"|"down"|"up"|"stall"|"unstall"|"resolution"|
                               "auth"|"noauth", ...}
    GET  /cameras/{n}          counters and fault state
    GET  /cameras/{n}/schedule?stream=main   send time of each loop frame index

One request per connection, bodies bounded, errors answered as 4xx JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from camsim.http_server import OneShotHttpServer
from vms.errors import InvalidInput, NotFound, PayloadTooLarge, VmsError

if TYPE_CHECKING:
    from camsim.simulator import CameraSimulator

log = logging.getLogger(__name__)
MAX_HEAD = 8192
MAX_BODY = 4096
READ_TIMEOUT_S = 10.0
_ROUTE = re.compile(r"^/cameras/(?P<camera>[0-9]{1,6})(?P<rest>/faults|/schedule)?/?$")


class ControlServer(OneShotHttpServer):
    """Serves the control endpoint for one simulator; `stop()` closes it and its handlers."""

    def __init__(self, simulator: CameraSimulator) -> None:
        super().__init__()
        self.simulator = simulator

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, payload = await asyncio.wait_for(self._answer(reader), READ_TIMEOUT_S)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            status, payload = 408, {"error": "request_timeout", "message": "incomplete request"}
        body = json.dumps(payload).encode()
        head = (
            f"HTTP/1.1 {status} {'OK' if status < 300 else 'Error'}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        with contextlib.suppress(ConnectionError):
            writer.write(head.encode() + body)
            await writer.drain()
        writer.close()

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, Any]:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            return 413, {"error": "payload_too_large", "message": "request head too large"}
        if len(head) > MAX_HEAD:
            return 413, {"error": "payload_too_large", "message": "request head too large"}
        try:
            method, target, headers = _parse_head(head)
            length = int(headers.get("content-length", "0") or "0")
            if length > MAX_BODY:
                raise PayloadTooLarge(f"body larger than {MAX_BODY} bytes")
            body = await reader.readexactly(length) if length else b""
            return 200, self._route(method, target, body)
        except ValueError as exc:
            return 400, {"error": "bad_request", "message": str(exc)}
        except VmsError as exc:
            return exc.status_code, {"error": exc.code, "message": exc.message}

    def _route(self, method: str, target: str, body: bytes) -> Any:
        url = urlsplit(target)
        match = _ROUTE.match(url.path)
        if match is None:
            raise NotFound(f"no such resource: {url.path}")
        camera = int(match.group("camera"))
        rest = match.group("rest") or ""
        sim = self.simulator
        if method == "GET" and rest == "":
            return sim.stats(camera)
        if method == "GET" and rest == "/schedule":
            stream = parse_qs(url.query).get("stream", ["main"])[0]
            return {"camera": camera, "stream": stream, "sent_at": sim.schedule(camera, stream)}
        if method == "POST" and rest == "/faults":
            apply_fault(sim, camera, _json_object(body))
            return sim.stats(camera)
        raise InvalidInput(f"{method} is not supported on {url.path}")


def apply_fault(sim: CameraSimulator, camera: int, fault: dict[str, Any]) -> None:
    """Inject one fault described as JSON (the body of POST /cameras/{n}/faults)."""
    kind = fault.get("kind")
    seconds = _seconds(fault.get("seconds"))
    if kind == "drop":
        sim.drop(camera, seconds or 0.0)
    elif kind == "down":
        sim.down(camera, seconds)
    elif kind == "up":
        sim.up(camera)
    elif kind == "stall":
        sim.stall(camera, seconds)
    elif kind == "unstall":
        sim.unstall(camera)
    elif kind == "resolution":
        width, height = fault.get("width"), fault.get("height")
        if not isinstance(width, int) or not isinstance(height, int):
            raise InvalidInput("resolution needs integer width and height")
        sim.change_resolution(camera, width, height, str(fault.get("stream", "main")))
    elif kind == "auth":
        user, password = fault.get("user"), fault.get("password")
        if not isinstance(user, str) or not isinstance(password, str):
            raise InvalidInput("auth needs string user and password")
        sim.require_auth(user, password, camera, str(fault.get("method", "digest")))
    elif kind == "noauth":
        sim.clear_auth(camera)
    else:
        raise InvalidInput(
            "kind must be one of drop, down, up, stall, unstall, resolution, auth, noauth"
        )


def _seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 86400:
        raise InvalidInput("seconds must be a number between 0 and 86400")
    return float(value)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("body must be a JSON object") from exc
    if not isinstance(data, dict):
        raise InvalidInput("body must be a JSON object")
    return data


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise ValueError("malformed request line")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return parts[0].upper(), parts[1], headers
