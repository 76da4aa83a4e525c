"""Requests for a camera pulled by another node of the site are redirected there (307).

A 307 keeps the method and the body, so a WHEP client's POST of its offer reaches the owner
unchanged (browsers' fetch, httpx, libsoup follow it); the owner's answer names its session by
an absolute URL on itself, so PATCH and DELETE go straight there. Why a redirect and not a
proxy: docs/SCALING.md.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from vms.errors import VmsError
from vms.site.membership import Site


class ServedElsewhere(VmsError):
    """The camera is pulled by another node; `Location` names the same request there."""

    status_code = 307
    code = "served_elsewhere"


REDIRECT_RESPONSE: dict[int | str, dict[str, Any]] = {
    307: {"description": "pulled by another node of the site: see Location"}
}


def to_owner(request: Request, site: Site, camera_id: int) -> None:
    """Raise ServedElsewhere when another node pulls `camera_id` (call after the access check,
    so a camera the caller may not see never reveals where it is pulled)."""
    base = site.route(camera_id)
    if base is None:
        return
    target = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise ServedElsewhere(
        f"camera {camera_id} is pulled by another node of the site; repeat the request there",
        details={"location": target},
        headers={"Location": target, "Cache-Control": "no-store"},
    )
