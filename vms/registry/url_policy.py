"""The camera URL policy of a site (ingest/url_policy.py) with this server's own services added:
the HTTP port and the database and Redis ports on this machine are never a camera."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ingest.url_policy import Address, CameraUrlPolicy
from vms.config import Settings

_LOOPBACK = ipaddress.ip_address("127.0.0.1")


def url_policy(settings: Settings) -> CameraUrlPolicy:
    """What every save path (API, CLI, import, demo) checks camera URLs against."""
    own: list[tuple[Address, int]] = [(_LOOPBACK, settings.server.port)]
    for url, default in ((settings.database.url, 5432), (settings.state.redis_url, 6379)):
        parts = urlsplit(url)
        if parts.scheme.startswith("sqlite"):
            continue
        try:
            port = parts.port or default
        except ValueError:
            continue
        own.append((_LOOPBACK, port))
    base = settings.ingest.url_policy()
    return CameraUrlPolicy(base.schemes, base.networks, tuple(own))
