"""Assembles the FastAPI application from settings. Only assembly lives here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from vms.api.body_limit import BodyLimit
from vms.api.errors import install_error_handlers
from vms.api.openapi import install_openapi
from vms.api.routes import agencies as agencies_routes
from vms.api.routes import audit as audit_routes
from vms.api.routes import auth as auth_routes
from vms.api.routes import cameras as cameras_routes
from vms.api.routes import coverage as coverage_routes
from vms.api.routes import data_requests as data_requests_routes
from vms.api.routes import emergency as emergency_routes
from vms.api.routes import grants as grants_routes
from vms.api.routes import imports as imports_routes
from vms.api.routes import layouts as layouts_routes
from vms.api.routes import ops as ops_routes
from vms.api.routes import ptz as ptz_routes
from vms.api.routes import recordings as recordings_routes
from vms.api.routes import reports as reports_routes
from vms.api.routes import selection as selection_routes
from vms.api.routes import site as site_routes
from vms.api.routes import status as status_routes
from vms.api.routes import users as users_routes
from vms.api.routes import wall_events as wall_events_routes
from vms.api.routes import walls as walls_routes
from vms.api.routes import whep as whep_routes
from vms.api.routes.docs import mount_docs
from vms.api.routes.webui import mount_webui
from vms.config import Settings
from vms.services import Services


def create_app(settings: Settings) -> FastAPI:
    """A ready-to-serve app; background parts start with the ASGI lifespan."""
    services = Services(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await services.start()
        try:
            yield
        finally:
            await services.stop()

    app = FastAPI(
        title="CCTV Command Center VMS",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # vms/api/routes/docs.py serves it without a CDN
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    app.add_middleware(
        BodyLimit,
        max_body_bytes=settings.server.max_body_bytes,
        max_upload_bytes=settings.server.max_upload_bytes,
    )
    for identity_routes in (
        auth_routes,
        users_routes,
        grants_routes,
        audit_routes,
        coverage_routes,
        emergency_routes,
    ):
        app.include_router(identity_routes.router)
    app.include_router(agencies_routes.router)
    app.include_router(cameras_routes.router)
    app.include_router(status_routes.router)
    app.include_router(ops_routes.router)
    app.include_router(layouts_routes.router)
    app.include_router(whep_routes.router)
    app.include_router(ptz_routes.router)
    app.include_router(ptz_routes.events_router)
    app.include_router(walls_routes.router)
    app.include_router(wall_events_routes.router)
    app.include_router(data_requests_routes.router)
    app.include_router(data_requests_routes.key_router)

    app.include_router(reports_routes.router)
    app.include_router(selection_routes.router)

    app.include_router(imports_routes.router)
    app.include_router(recordings_routes.router)
    app.include_router(site_routes.router)
    mount_docs(app)
    mount_webui(app)
    install_openapi(app)  # every error a route answers, in the published description
    return app
