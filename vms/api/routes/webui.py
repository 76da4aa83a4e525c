"""Serves the browser video wall (webui/) at `/`, with security headers on every page and file.

The Content-Security-Policy allows scripts, styles and connections from this origin only and no
inline script, so a camera name that smuggles markup can never run as code even if some view
forgot to insert it as text. Static files are revalidated on every load (`no-cache`) so an
upgraded server never leaves an operator on a stale wall.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

import webui
from vms.api.deps import ServicesDep

WEBUI_DIR = Path(webui.__file__).resolve().parent
STATIC_PREFIX = "/ui"
STATIC_FOLDERS = ("js", "css", "i18n")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)
config_router = APIRouter(prefix="/api/v1/webui", tags=["webui"])


class WebuiConfig(BaseModel):
    """What the page needs to know about this site before anything else."""

    site_name: str


@config_router.get("/config", response_model=WebuiConfig)
async def webui_config(services: ServicesDep) -> WebuiConfig:
    """The site's name for the title bar (no secrets: this is readable before sign-in)."""
    return WebuiConfig(site_name=services.settings.site_name)


@router.get("/")
async def index() -> FileResponse:
    """The wall's single page."""
    return FileResponse(WEBUI_DIR / "index.html", media_type="text/html", headers=SECURITY_HEADERS)


@router.get("/coverage")
async def coverage_page() -> FileResponse:
    """The duty coverage panel (its data comes from the signed-in coverage API)."""
    return FileResponse(
        WEBUI_DIR / "coverage.html", media_type="text/html", headers=SECURITY_HEADERS
    )


@router.get("/admin")
async def admin_page() -> FileResponse:
    """The administration pages (cameras, import, users, sharing, audit, reports; the API
    decides who may)."""
    return FileResponse(WEBUI_DIR / "admin.html", media_type="text/html", headers=SECURITY_HEADERS)


@router.get("/emergency")
async def emergency_page() -> FileResponse:
    """The governor's office page: declare, confirm, extend, end (the API decides who may)."""
    return FileResponse(
        WEBUI_DIR / "emergency.html", media_type="text/html", headers=SECURITY_HEADERS
    )


@router.get("/evidence")
async def evidence_page() -> FileResponse:
    """Data-use requests: request footage, approve or reject, download (the API decides)."""
    return FileResponse(
        WEBUI_DIR / "evidence.html", media_type="text/html", headers=SECURITY_HEADERS
    )


@router.get("/playback")
async def playback_page() -> FileResponse:
    """One camera's recordings: timeline, scrub, speed (its data comes from the signed-in
    recordings API)."""
    return FileResponse(
        WEBUI_DIR / "playback.html", media_type="text/html", headers=SECURITY_HEADERS
    )


class SecuredStaticFiles(StaticFiles):
    """Static files of the wall, each answered with the same security headers as the page."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() != "cache-control"
                ]
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await super().__call__(scope, receive, send_with_headers)


def mount_webui(app: FastAPI) -> None:
    """Serve the wall: the page at `/`, its modules, styles and texts under `/ui/`.

    Only the asset folders are mounted, so the package's Python files are never served.
    """
    app.include_router(router)
    app.include_router(config_router)
    for folder in STATIC_FOLDERS:
        app.mount(
            f"{STATIC_PREFIX}/{folder}",
            SecuredStaticFiles(directory=WEBUI_DIR / folder),
            name=f"webui-{folder}",
        )
