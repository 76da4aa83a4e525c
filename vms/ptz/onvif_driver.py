"""`OnvifPtzDriver`: the PTZ driver for ONVIF cameras, on onvif-zeep-async.

Connecting asks the device for its clock (GetSystemDateAndTime, unauthenticated) so every
WS-UsernameToken carries a Created time in the camera's clock (the library's `adjust_time`),
then for its services, its first media profile with a PTZ configuration, that node
(GetNodes) and the configuration's options (GetConfigurationOptions). Capabilities are what
both say; an operation outside them is refused (`PtzUnsupported`) before any request. Every
request, connecting included, is bounded by `timeout_s`.

HTTP Digest: a camera that demands it on its SOAP endpoints gets it too (`DigestCamera`, the
same credentials); one that refuses both answers 401 or NotAuthorized -> `CameraAuthFailed`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from onvif import ONVIFCamera

from vms.ptz.driver import (
    CameraFault,
    MoveRequest,
    Preset,
    PtzCapabilities,
    PtzPosition,
    PtzUnsupported,
)
from vms.ptz.onvif_errors import translate
from vms.ptz.onvif_http import DigestCamera
from vms.ptz.onvif_parse import capabilities_of, position_of, ptz_profile

log = logging.getLogger(__name__)
# These log every SOAP envelope at DEBUG, WS-Security header (digest, nonce) included: a
# replayable credential. Never below INFO, whatever the root level.
for _name in ("onvif.zeep_aiohttp", "zeep.transports"):
    logging.getLogger(_name).setLevel(logging.INFO)
T = TypeVar("T")
DEFAULT_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class _AsStatus:
    """A preset's PTZVector seen as a status (no motion), for `position_of`."""

    Position: Any
    MoveStatus: None = None


@dataclass
class _Session:
    camera: ONVIFCamera
    ptz: Any  # onvif.client.ONVIFService (untyped library)
    profile: str
    capabilities: PtzCapabilities


class OnvifPtzDriver:
    """One ONVIF camera's PTZ head. `url` is its device service (no credentials in it)."""

    def __init__(
        self,
        url: str,
        username: str | None,
        password: str | None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("an ONVIF address is http(s)://host[:port]/onvif/device_service")
        port = f":{parts.port}" if parts.port else ""
        self.where = f"{parts.scheme}://{parts.hostname}{port}"  # for messages: no secrets
        self._host = f"{parts.scheme}://{parts.hostname}"
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._username = username
        self._password = password
        self.timeout_s = timeout_s
        self._session: _Session | None = None
        self._connecting = asyncio.Lock()

    def __repr__(self) -> str:
        return f"OnvifPtzDriver({self.where!r})"

    # PtzDriver ---------------------------------------------------------------------------

    async def capabilities(self) -> PtzCapabilities:
        return (await self._connected()).capabilities

    async def position(self) -> PtzPosition:
        status = await self._ptz(
            "GetStatus", lambda s: s.ptz.GetStatus({"ProfileToken": s.profile})
        )
        return position_of(status)

    async def move(self, request: MoveRequest) -> None:
        session = await self._connected()
        self._require(session, request.mode, f"{request.mode.capitalize()}Move")
        pan_tilt = {"x": request.pan, "y": request.tilt}
        zoom = {"x": request.zoom}
        if request.mode == "continuous":
            body: dict[str, Any] = {"Velocity": {"PanTilt": pan_tilt, "Zoom": zoom}}
            if request.timeout_s is not None:
                body["Timeout"] = f"PT{max(0.1, request.timeout_s):g}S"
            op = "ContinuousMove"
        elif request.mode == "relative":
            body, op = {"Translation": {"PanTilt": pan_tilt, "Zoom": zoom}}, "RelativeMove"
        else:
            body, op = {"Position": {"PanTilt": pan_tilt, "Zoom": zoom}}, "AbsoluteMove"
        body["ProfileToken"] = session.profile
        await self._ptz(op, lambda s: getattr(s.ptz, op)(body))

    async def stop(self) -> None:
        await self._ptz(
            "Stop",
            lambda s: s.ptz.Stop({"ProfileToken": s.profile, "PanTilt": True, "Zoom": True}),
        )

    async def presets(self) -> list[Preset]:
        self._require(await self._connected(), "presets", "GetPresets")
        answer = await self._ptz(
            "GetPresets", lambda s: s.ptz.GetPresets({"ProfileToken": s.profile})
        )
        out = []
        for item in answer or []:
            where = getattr(item, "PTZPosition", None)
            out.append(
                Preset(
                    token=str(item.token),
                    name=str(getattr(item, "Name", None) or item.token),
                    position=None if where is None else position_of(_AsStatus(where)),
                )
            )
        return out

    async def goto_preset(self, token: str) -> None:
        self._require(await self._connected(), "presets", "GotoPreset")
        await self._ptz(
            "GotoPreset",
            lambda s: s.ptz.GotoPreset({"ProfileToken": s.profile, "PresetToken": token}),
        )

    async def set_preset(self, token: str | None, name: str) -> str:
        self._require(await self._connected(), "presets", "SetPreset")
        body: dict[str, Any] = {"PresetName": name}
        if token is not None:
            body["PresetToken"] = token

        def call(s: _Session) -> Awaitable[Any]:
            return s.ptz.SetPreset({"ProfileToken": s.profile, **body})

        answer = await self._ptz("SetPreset", call)
        if not answer:
            raise CameraFault(f"the camera at {self.where} stored a preset but gave no token")
        return str(answer)

    async def remove_preset(self, token: str) -> None:
        self._require(await self._connected(), "presets", "RemovePreset")
        await self._ptz(
            "RemovePreset",
            lambda s: s.ptz.RemovePreset({"ProfileToken": s.profile, "PresetToken": token}),
        )

    async def home(self) -> None:
        self._require(await self._connected(), "home", "GotoHomePosition")
        await self._ptz(
            "GotoHomePosition", lambda s: s.ptz.GotoHomePosition({"ProfileToken": s.profile})
        )

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.camera.close(), self.timeout_s)

    # internals ---------------------------------------------------------------------------

    def _require(self, session: _Session, capability: str, operation: str) -> None:
        if not session.capabilities.supports(capability):
            raise PtzUnsupported(f"this camera does not support {operation} (ONVIF capabilities)")

    async def _ptz(self, operation: str, call: Callable[[_Session], Awaitable[T]]) -> T:
        session = await self._connected()
        return await self._bounded(operation, call(session))

    async def _bounded(self, operation: str, awaitable: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(awaitable, self.timeout_s)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = translate(exc, operation, self.where, self.timeout_s)
            log.info("ptz: %s %s failed: %s", self.where, operation, error.code)
            raise error from None

    async def _connected(self) -> _Session:
        async with self._connecting:
            if self._session is None:
                camera = DigestCamera(
                    self._host,
                    self._port,
                    self._username or "",  # the library signs always; "" for none
                    self._password or "",
                    adjust_time=True,
                    no_cache=True,
                )
                try:
                    self._session = await self._bounded("connect", self._open(camera))
                except BaseException:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(camera.close(), self.timeout_s)
                    raise
            return self._session

    async def _open(self, camera: ONVIFCamera) -> _Session:
        await camera.update_xaddrs()
        if not any("/ptz/" in namespace for namespace in camera.xaddrs):
            raise PtzUnsupported("this camera has no ONVIF PTZ service")
        media = await camera.create_media_service()
        profile, config_token, node_token = ptz_profile(await media.GetProfiles())
        ptz = await camera.create_ptz_service()
        nodes = await ptz.GetNodes()
        options = await ptz.GetConfigurationOptions({"ConfigurationToken": config_token})
        caps = capabilities_of(nodes, node_token, options)
        return _Session(camera, ptz, profile, caps)
