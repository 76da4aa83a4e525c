"""A size limit on every request body, enforced while it is read: 413 before it is buffered.

A declared `Content-Length` over the limit is refused without keeping a byte of the body; a
chunked body is counted as it arrives and refused the moment it passes the limit. Multipart
uploads (the camera spreadsheet import) get the larger `server.max_upload_bytes`; everything
else (JSON, forms, SDP) `server.max_body_bytes`.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_TYPES = frozenset({b"multipart/form-data"})
# A declared body up to this many times its limit is read and thrown away before the 413, so a
# client still sending it (most HTTP clients write the whole body before reading) sees the
# answer instead of a reset connection; anything larger is cut off at once.
DRAIN_FACTOR = 4
DRAIN_MAX_BYTES = 8 * 1024 * 1024  # and never more than this (an upload's limit is larger)


class BodyTooLarge(HTTPException):
    """The body passed its limit while being read (FastAPI passes HTTP errors through)."""

    def __init__(self, limit: int, key: str) -> None:
        super().__init__(413, f"request body too large: at most {limit} bytes here ({key})")


class BodyLimit:
    """ASGI middleware: bodies over their limit answer 413 without being read further."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def _limit(self, scope: Scope) -> tuple[int, str, bytes | None]:
        content_type = b""
        declared: bytes | None = None
        for name, value in scope.get("headers", ()):
            if name == b"content-type":
                content_type = value.split(b";", 1)[0].strip().lower()
            elif name == b"content-length":
                declared = value
        if content_type in UPLOAD_TYPES:
            return self.max_upload_bytes, "server.max_upload_bytes", declared
        return self.max_body_bytes, "server.max_body_bytes", declared

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, key, declared = self._limit(scope)
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            if int(declared) <= min(DRAIN_FACTOR * limit, DRAIN_MAX_BYTES):
                await _discard(receive)  # so the client, still sending, reads the 413
            await _refuse(send, BodyTooLarge(limit, key))
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit, key)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:  # raised where no handler answered it
            if started:
                raise
            await _refuse(send, exc)


async def _discard(receive: Receive) -> None:
    """Read a modestly oversized body to its end, keeping none of it (memory stays flat)."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _refuse(send: Send, exc: BodyTooLarge) -> None:
    body = json.dumps({"error": "payload_too_large", "detail": exc.detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
