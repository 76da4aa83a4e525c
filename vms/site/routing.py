"""A request for a camera pulled by another node of the site is served there, through us.

The node that received it forwards it (vms/site/proxy.py) and hands back the answer, so the
caller — a browser wall on its own origin with its session cookie, or a WHEP player with a
bearer token — never leaves the address it spoke to. A redirect would not do: on a
cross-origin redirect browsers and HTTP libraries drop the Authorization header, and a cookie
does not follow to another origin without CORS (docs/SCALING.md). WHEP sessions keep a
Location on the node that was asked; it forwards their PATCH and DELETE the same way.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from vms.errors import Unavailable
from vms.site.membership import LocalSite, RedisSite
from vms.site.proxy import forwarded

FORWARD_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {"description": "the camera is moving between nodes, or its node cannot be reached"}
}


async def elsewhere(
    request: Request, site: LocalSite | RedisSite, camera_id: int, body: bytes | None = None
) -> Response | None:
    """The owning node's answer when another node pulls `camera_id`; None to serve it here.
    Call after the access check, so a camera the caller may not see is refused alike anywhere."""
    base = site.route(camera_id)
    if base is None:
        return None
    if forwarded(request) or not isinstance(site, RedisSite):
        raise Unavailable(
            f"camera {camera_id} is moving to another node of the site; try again",
            headers={"Retry-After": "2"},
        )
    return await site.proxy.forward(request, base, body)
