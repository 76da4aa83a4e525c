"""The site's nodes: `GET /api/v1/site/nodes` (system administrators)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from vms.access import require_global
from vms.api.deps import BriefPrincipal, ServicesDep
from vms.auth.roles import Permission

router = APIRouter(prefix="/api/v1/site", tags=["site"])


@router.get(
    "/nodes",
    responses={
        403: {"description": "not a system administrator"},
        503: {"description": "the site's shared state (Redis) cannot be reached"},
    },
)
async def site_nodes(services: ServicesDep, principal: BriefPrincipal) -> dict[str, Any]:
    """Every process of the site heard from lately: name, URL, started, last heartbeat, camera
    streams pulled, viewers, CPU (cores), alive; and which node answered."""
    require_global(principal, Permission.VIEW_METRICS)
    site = services.site
    return {
        "site": services.settings.site.name,
        "answered_by": site.node_name,
        "degraded": site.degraded,
        "nodes": await site.nodes(),
    }
