"""Asks an ONVIF device for its stream addresses (GetProfiles / GetStreamUri): registering a
camera by its ONVIF address fills main and sub stream URLs from the answer.

The first profile is the main stream, the second (if any) the sub stream. Credentials never
travel in the returned URLs (a camera that puts them there has them stripped). Every request
is bounded; errors are the PTZ driver's domain errors (424: unreachable, auth, fault).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from onvif import ONVIFCamera

from vms.ptz.driver import CameraFault, PtzUnsupported
from vms.ptz.onvif_driver import DEFAULT_TIMEOUT_S, OnvifPtzDriver
from vms.ptz.onvif_errors import translate
from vms.ptz.onvif_http import DigestCamera


@dataclass(frozen=True, slots=True)
class Discovered:
    main_url: str
    sub_url: str | None
    model: str | None


def _strip_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


async def discover(
    url: str, username: str | None, password: str | None, timeout_s: float = DEFAULT_TIMEOUT_S
) -> Discovered:
    """The camera's main and sub RTSP URLs and its model, from its ONVIF media service."""
    parts = urlsplit(url)
    where = f"{parts.scheme}://{parts.netloc}"
    host = f"{parts.scheme}://{parts.hostname}"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    camera = DigestCamera(
        host, port, username or "", password or "", adjust_time=True, no_cache=True
    )
    try:
        return await asyncio.wait_for(_ask(camera, where), timeout_s)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise translate(exc, "GetStreamUri", where, timeout_s) from None
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(camera.close(), timeout_s)


async def _ask(camera: ONVIFCamera, where: str) -> Discovered:
    await camera.update_xaddrs()
    device = await camera.create_devicemgmt_service()
    model: str | None = None
    with contextlib.suppress(Exception):
        info = await device.GetDeviceInformation()
        model = " ".join(str(x) for x in (info.Manufacturer, info.Model) if x) or None
    media = await camera.create_media_service()
    profiles: list[Any] = list(await media.GetProfiles() or [])
    if not profiles:
        raise CameraFault(f"the camera at {where} lists no media profile")
    uris: list[str] = []
    for profile in profiles[:2]:
        answer = await media.GetStreamUri(
            {
                "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
                "ProfileToken": profile.token,
            }
        )
        uri = str(getattr(answer, "Uri", "") or "")
        if not uri.startswith(("rtsp://", "rtsps://")):
            raise CameraFault(f"the camera at {where} gave no RTSP address for {profile.token}")
        uris.append(_strip_userinfo(uri))
    return Discovered(uris[0], uris[1] if len(uris) > 1 else None, model)


PTZ_OPERATIONS = ("continuous", "relative", "absolute", "presets", "home")


async def ptz_operations(
    url: str, username: str | None, password: str | None, timeout_s: float = DEFAULT_TIMEOUT_S
) -> list[str]:
    """The PTZ operations the camera offers (GetNodes through the driver); [] without a head."""
    driver = OnvifPtzDriver(url, username, password, timeout_s=timeout_s)
    try:
        caps = await driver.capabilities()
    except PtzUnsupported:
        return []
    finally:
        await driver.close()
    return [op for op in PTZ_OPERATIONS if caps.supports(op)]
