"""`vms serve`: run the API, the relay and the video wall."""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

from vms.app import create_app
from vms.cli.common import add_config_option, settings_from_args
from vms.config import Settings
from vms.logs import configure_logging


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="run the server (API, live relay, video wall)",
        description="Run the server with the given config until interrupted.",
    )
    add_config_option(p)
    p.add_argument("--host", help="override server.host")
    p.add_argument("--port", type=int, help="override server.port")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if args.host:
        settings.server.host = args.host
    if args.port:
        settings.server.port = args.port
    serve(settings)
    return 0


def serve(settings: Settings) -> None:
    """Run the server in the foreground until interrupted."""
    configure_logging(settings.logging.level, settings.logging.format)
    app = create_app(settings)
    # proxy_headers off: X-Forwarded-For is believed only from server.trusted_proxies, by the
    # app (vms/auth/client_addr.py), never by uvicorn's default of trusting 127.0.0.1
    uvicorn.run(
        app,
        host=settings.server.host,
        port=settings.server.port,
        log_config=None,
        proxy_headers=False,
    )
