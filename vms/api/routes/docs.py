"""The API docs page at /api/v1/docs, served entirely from this server.

A command center has no internet, so Swagger UI 5 (it reads OpenAPI 3.1) comes from the files
of the pinned `swagger-ui-py` package, mounted under /api/v1/docs/assets, and is started by a
script file of our own; the page carries a Content-Security-Policy that allows scripts from
this origin only. Swagger UI sets style attributes, so styles (never scripts) may be inline.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse

from vms.api.routes.webui import SecuredStaticFiles

DOCS_PATH = "/api/v1/docs"
ASSETS = f"{DOCS_PATH}/assets"
OWN_ASSETS = Path(__file__).resolve().parents[1] / "docs_assets"


def swagger_ui_files() -> Path:
    """The folder of Swagger UI's files in the installed swagger-ui-py (never imported: only
    its static files are used)."""
    spec = find_spec("swagger_ui")
    if spec is None or spec.origin is None:
        raise RuntimeError("swagger-ui-py is not installed (pip install -c constraints.txt .)")
    return Path(spec.origin).resolve().parent / "static"


DOCS_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CCTV Command Center VMS: API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" href="{ASSETS}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/own/init.js"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


@router.get(DOCS_PATH)
def docs_page() -> HTMLResponse:
    """The Swagger UI page for the OpenAPI description."""
    headers = {
        "Content-Security-Policy": DOCS_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }
    return HTMLResponse(_PAGE, headers=headers)


def mount_docs(app: FastAPI) -> None:
    """The page, Swagger UI's files and our start script (FastAPI's own CDN page is off)."""
    app.include_router(router)
    app.mount(f"{ASSETS}/own", SecuredStaticFiles(directory=OWN_ASSETS), name="docs-own")
    app.mount(ASSETS, SecuredStaticFiles(directory=swagger_ui_files()), name="docs-assets")
