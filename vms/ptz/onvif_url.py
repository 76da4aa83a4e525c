"""The one check of a camera's ONVIF address: http(s)://host[:port][/onvif/device_service],
no credentials (they live in the camera's credential fields), no query or fragment.

Which networks a camera address may point into is the camera URL policy's business, not this.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

DEVICE_PATH = "/onvif/device_service"
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+$")


def check_onvif_url(url: str) -> str:
    """The address, normalised to end in the device service path; ValueError naming the
    problem (never echoing a password) otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError("not a URL (or a bad port)") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("the scheme must be http or https")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValueError("no credentials in the URL: use the username and password fields")
    host = parts.hostname or ""
    if not _valid_host(host):
        raise ValueError("the host is missing or not a host name / IP address")
    if parts.query or parts.fragment:
        raise ValueError("no query or fragment")
    if parts.path not in ("", "/", DEVICE_PATH):
        raise ValueError(f"the path must be {DEVICE_PATH} (the ONVIF device service)")
    shown_host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown_host}{f':{port}' if port else ''}{DEVICE_PATH}"


def _valid_host(host: str) -> bool:
    if not host:
        return False
    if ":" in host or re.fullmatch(r"[0-9.]+", host):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True
    return bool(_HOST.match(host)) and len(host) <= 253
