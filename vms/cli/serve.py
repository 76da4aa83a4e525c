"""`vms serve`: run the API, the relay and the video wall (`--workers N`: N processes)."""

from __future__ import annotations

import argparse
import socket
from typing import Any

import uvicorn

from vms.app import create_app
from vms.cli.common import add_config_option, settings_from_args
from vms.cli.workers import bind_sockets, supervise, worker_argv, worker_port
from vms.config import Settings
from vms.errors import ConfigError
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
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        choices=range(1, 65),
        metavar="N",
        help="run N supervised server processes sharing server.port (SO_REUSEPORT); worker i "
        "also listens on port+1+i, its node URL; needs state.backend = redis when N > 1",
    )
    p.add_argument("--worker-index", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if args.host:
        settings.server.host = args.host
    if args.port:
        settings.server.port = args.port
    if args.workers > 1 and settings.state.backend != "redis":
        raise ConfigError("--workers N needs state.backend = redis (the workers share one site)")
    if args.worker_index is not None:
        serve_worker(settings, args.worker_index)
        return 0
    if args.workers > 1:
        configure_logging(settings.logging.level, settings.logging.format)
        config = str(args.config) if args.config else None
        return supervise(
            worker_argv(config, settings.server.host, settings.server.port, args.workers)
        )
    serve(settings)
    return 0


def _uvicorn_config(app: Any, settings: Settings) -> uvicorn.Config:
    # proxy_headers off: X-Forwarded-For is believed only from server.trusted_proxies, by the
    # app (vms/auth/client_addr.py), never by uvicorn's default of trusting 127.0.0.1
    return uvicorn.Config(
        app,
        host=settings.server.host,
        port=settings.server.port,
        log_config=None,
        proxy_headers=False,
    )


def serve(settings: Settings) -> None:
    """Run the server in the foreground until interrupted."""
    configure_logging(settings.logging.level, settings.logging.format)
    uvicorn.Server(_uvicorn_config(create_app(settings), settings)).run()


def serve_worker(settings: Settings, index: int) -> None:
    """One worker of `--workers N`: the shared port and its own, named by its own."""
    configure_logging(settings.logging.level, settings.logging.format)
    host, shared = settings.server.host, settings.server.port
    own = worker_port(shared, index)
    sockets: list[socket.socket] = bind_sockets(host, shared, own)
    settings.server.port = own  # the node's name and URL default to host:own
    config = _uvicorn_config(create_app(settings), settings)
    uvicorn.Server(config).run(sockets=sockets)
