"""Forwarding a request to the node of the site that pulls its camera, and its answer back.

The caller's own credentials (Authorization, the session cookie), Host and Origin travel
unchanged, so the owning node makes exactly the access decision the first node would; a
header marks the request as forwarded, and a forwarded request is never forwarded again.
Only the SDP exchange and small JSON/JPEG answers pass through here: the media itself flows
from the owning node to the viewer (its ICE candidates are its own addresses).
"""

from __future__ import annotations

import logging
from collections import OrderedDict

import httpx
from fastapi import Request, Response

from vms.errors import Unavailable

log = logging.getLogger(__name__)

FORWARDED_BY = "x-vms-forwarded-by"
TIMEOUT_S = 40.0  # above the WHEP offer's own 30 s cap
_NOT_FORWARDED = {
    "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
    "proxy-authorization", "proxy-authenticate", "content-length", "accept-encoding",
}  # fmt: skip
_PASSED_BACK = (
    "content-type", "location", "etag", "link", "accept-patch", "accept-post", "retry-after",
    "cache-control", "www-authenticate", "allow",
)  # fmt: skip
MAX_REMEMBERED = 10_000


def forwarded(request: Request) -> bool:
    """The request came from another node of the site (serve it here or refuse)."""
    return FORWARDED_BY in request.headers


class NodeProxy:
    """One HTTP client to the site's other nodes; remembers which node holds a WHEP session
    it forwarded, so the session's PATCH and DELETE reach the same node."""

    def __init__(self, node_name: str) -> None:
        self.node_name = node_name
        self._client: httpx.AsyncClient | None = None
        self._sessions: OrderedDict[str, str] = OrderedDict()
        self.forwarded = 0

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False)

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def remember(self, session_id: str, base_url: str) -> None:
        self._sessions[session_id] = base_url
        self._sessions.move_to_end(session_id)
        while len(self._sessions) > MAX_REMEMBERED:
            self._sessions.popitem(last=False)

    def session_node(self, session_id: str) -> str | None:
        return self._sessions.get(session_id)

    def forget(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    async def forward(self, request: Request, base_url: str, body: bytes | None) -> Response:
        """Send `request` (with `body`) to the same path on `base_url`; its answer, as is."""
        if self._client is None:
            raise Unavailable("this node is stopping", headers={"Retry-After": "2"})
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
        headers[FORWARDED_BY] = self.node_name
        peer = request.client.host if request.client else None
        if peer:
            prior = request.headers.get("x-forwarded-for")
            headers["x-forwarded-for"] = f"{prior}, {peer}" if prior else peer
        url = base_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        try:
            answer = await self._client.request(request.method, url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("site: forwarding to %s failed (%s)", base_url, type(exc).__name__)
            raise Unavailable(
                "the node pulling this camera cannot be reached; try again shortly",
                headers={"Retry-After": "2"},
            ) from None
        self.forwarded += 1
        out = {k: answer.headers[k] for k in _PASSED_BACK if k in answer.headers}
        return Response(answer.content, status_code=answer.status_code, headers=out)
