"""HTTP/1.1 front of one simulated camera's ONVIF services (POST only, one request per
connection, bounded heads and bodies)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from camsim.config import Credentials
from camsim.http_server import OneShotHttpServer
from camsim.onvif_ops import OnvifCamera
from camsim.onvif_soap import SoapFault, check_token, envelope, fault, parse
from camsim.rtsp_auth import REALM, Authenticator

log = logging.getLogger(__name__)
MAX_HEAD = 8192
MAX_BODY = 256 * 1024
READ_TIMEOUT_S = 10.0


class OnvifServer(OneShotHttpServer):
    """Serves one `OnvifCamera` on host:port; `stop()` closes it and its handlers."""

    def __init__(self, camera: OnvifCamera) -> None:
        super().__init__()
        self.camera = camera
        self.requests = 0
        self.authenticator = Authenticator()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, payload, extra = await asyncio.wait_for(self._answer(reader), READ_TIMEOUT_S)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            status, payload, extra = 400, b"", ""
        head = (
            f"HTTP/1.1 {status} {'OK' if status < 300 else 'Error'}\r\n"
            "Content-Type: application/soap+xml; charset=utf-8\r\n"
            f"Content-Length: {len(payload)}\r\n{extra}Connection: close\r\n\r\n"
        )
        with contextlib.suppress(ConnectionError):
            writer.write(head.encode() + payload)
            await writer.drain()
        writer.close()

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, bytes, str]:
        raw = await reader.readuntil(b"\r\n\r\n")
        if len(raw) > MAX_HEAD:
            return 431, b"", ""
        lines = raw.decode("latin-1").split("\r\n")
        method, path = lines[0].split(" ")[:2]
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if method != "POST":
            return 405, b"", ""
        if not 0 < length <= MAX_BODY:
            return 413, b"", ""
        data = await reader.readexactly(length)
        self.requests += 1
        creds = self.camera.credentials()
        if creds is not None and self.camera.http_digest:
            digest = Credentials(creds.user, creds.password, "digest")
            if not self.authenticator.check(digest, "POST", headers.get("authorization")):
                nonce = self.authenticator._nonce()
                challenge = f'Digest realm="{REALM}", nonce="{nonce}", qop="auth", algorithm=MD5'
                return 401, b"", f"WWW-Authenticate: {challenge}\r\n"
        try:
            request, security = parse(data)
            if (
                creds is not None
                and not self.camera.http_digest
                and self.camera.needs_auth(request)
            ):
                check_token(security, creds, self.camera.skew_s)
            return 200, envelope(self.camera.answer(path.split("?")[0], request)), ""
        except SoapFault as exc:
            return exc.status, fault(exc), ""
