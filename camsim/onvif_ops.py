"""The ONVIF operations one simulated camera answers (device, media and PTZ services).

`OnvifCamera.answer(path, request)` returns the response body XML, or raises `SoapFault`.
GetSystemDateAndTime is answered without authentication (ONVIF allows it, clients use it to
learn the camera's clock); everything else needs the UsernameToken when the camera has
credentials. A head without a feature refuses its commands (ter:ActionNotSupported) and does
not advertise them in GetNodes / GetConfigurationOptions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from camsim.config import Credentials
from camsim.onvif_soap import SoapFault, SoapRequest, camera_now, child, number, text
from camsim.ptz_head import PtzHead

DEVICE_PATH = "/onvif/device_service"
MEDIA_PATH = "/onvif/media_service"
PTZ_PATH = "/onvif/ptz_service"
_PT = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/"
_Z = "http://www.onvif.org/ver10/tptz/ZoomSpaces/"
_DURATION = re.compile(r"^PT(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")
PROFILES = ("main", "sub")


@dataclass
class OnvifCamera:
    """One camera's ONVIF identity; `credentials()` is read per request (faults change it)."""

    camera: int
    base_url: str  # http://host:port
    stream_url: Callable[[str], str]  # "main"|"sub" -> rtsp URL
    sizes: dict[str, tuple[int, int]]
    credentials: Callable[[], Credentials | None]
    head: PtzHead | None
    skew_s: float = 0.0
    http_digest: bool = False  # demand HTTP Digest (RFC 7616) instead of the UsernameToken
    on_move: Callable[[], None] = lambda: None

    def needs_auth(self, request: SoapRequest) -> bool:
        return request.operation != "GetSystemDateAndTime" and self.credentials() is not None

    def answer(self, path: str, request: SoapRequest) -> str:
        handlers = {DEVICE_PATH: self._device, MEDIA_PATH: self._media, PTZ_PATH: self._ptz}
        handler = handlers.get(path)
        if handler is None or (path == PTZ_PATH and self.head is None):
            raise SoapFault("ter:ActionNotSupported", f"no service at {path}", status=404)
        return handler(request)

    # device ------------------------------------------------------------------------------

    def _device(self, request: SoapRequest) -> str:
        op = request.operation
        if op == "GetSystemDateAndTime":
            now = camera_now(self.skew_s)
            return (
                "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
                "<tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false"
                "</tt:DaylightSavings><tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone>"
                f"<tt:UTCDateTime><tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>"
                f"{now.minute}</tt:Minute><tt:Second>{now.second}</tt:Second></tt:Time>"
                f"<tt:Date><tt:Year>{now.year}</tt:Year><tt:Month>{now.month}</tt:Month>"
                f"<tt:Day>{now.day}</tt:Day></tt:Date></tt:UTCDateTime>"
                "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
            )
        if op == "GetDeviceInformation":
            return (
                "<tds:GetDeviceInformationResponse><tds:Manufacturer>vms-camsim"
                f"</tds:Manufacturer><tds:Model>{'PTZ' if self.head else 'Fixed'} sim"
                "</tds:Model><tds:FirmwareVersion>1.0</tds:FirmwareVersion>"
                f"<tds:SerialNumber>SIM{self.camera:05d}</tds:SerialNumber>"
                "<tds:HardwareId>camsim</tds:HardwareId></tds:GetDeviceInformationResponse>"
            )
        if op == "GetCapabilities":
            ptz = f"<tt:PTZ><tt:XAddr>{self.base_url}{PTZ_PATH}</tt:XAddr></tt:PTZ>"
            return (
                "<tds:GetCapabilitiesResponse><tds:Capabilities>"
                f"<tt:Device><tt:XAddr>{self.base_url}{DEVICE_PATH}</tt:XAddr></tt:Device>"
                f"<tt:Media><tt:XAddr>{self.base_url}{MEDIA_PATH}</tt:XAddr>"
                "<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>"
                "<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>"
                "</tt:StreamingCapabilities></tt:Media>"
                f"{ptz if self.head else ''}</tds:Capabilities></tds:GetCapabilitiesResponse>"
            )
        if op == "GetServices":
            services = [
                ("device", "ver10/device", DEVICE_PATH),
                ("media", "ver10/media", MEDIA_PATH),
            ]
            if self.head is not None:
                services.append(("ptz", "ver20/ptz", PTZ_PATH))
            items = "".join(
                f"<tds:Service><tds:Namespace>http://www.onvif.org/{ns}/wsdl</tds:Namespace>"
                f"<tds:XAddr>{self.base_url}{path}</tds:XAddr><tds:Version><tt:Major>2"
                "</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>"
                for _, ns, path in services
            )
            return f"<tds:GetServicesResponse>{items}</tds:GetServicesResponse>"
        raise SoapFault("ter:ActionNotSupported", f"{op} is not supported")

    # media -------------------------------------------------------------------------------

    def _media(self, request: SoapRequest) -> str:
        op = request.operation
        if op == "GetProfiles":
            profiles = "".join(self._profile(p) for p in PROFILES)
            return f"<trt:GetProfilesResponse>{profiles}</trt:GetProfilesResponse>"
        if op == "GetStreamUri":
            token = text(request.body, "ProfileToken")
            if token not in PROFILES:
                raise SoapFault("ter:NoProfile", f"no profile {token!r}")
            return (
                f"<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>{self.stream_url(token)}"
                "</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>"
                "<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S"
                "</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>"
            )
        raise SoapFault("ter:ActionNotSupported", f"{op} is not supported")

    def _profile(self, token: str) -> str:
        width, height = self.sizes[token]
        ptz = (
            '<tt:PTZConfiguration token="ptz0"><tt:Name>ptz0</tt:Name><tt:UseCount>2'
            "</tt:UseCount><tt:NodeToken>node0</tt:NodeToken></tt:PTZConfiguration>"
            if self.head is not None
            else ""
        )
        return (
            f'<trt:Profiles token="{token}" fixed="true"><tt:Name>{token}</tt:Name>'
            '<tt:VideoSourceConfiguration token="vsc0"><tt:Name>vsc0</tt:Name><tt:UseCount>2'
            "</tt:UseCount><tt:SourceToken>vs0</tt:SourceToken>"
            f'<tt:Bounds x="0" y="0" width="{width}" height="{height}"/>'
            f'</tt:VideoSourceConfiguration><tt:VideoEncoderConfiguration token="enc_{token}">'
            f"<tt:Name>enc_{token}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>H264"
            f"</tt:Encoding><tt:Resolution><tt:Width>{width}</tt:Width><tt:Height>{height}"
            "</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>"
            "<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>"
            f"{ptz}</trt:Profiles>"
        )

    # PTZ ---------------------------------------------------------------------------------

    def _ptz(self, request: SoapRequest) -> str:
        head = self.head
        assert head is not None
        op, body = request.operation, request.body
        features = head.features
        if op == "GetNodes":
            return f"<tptz:GetNodesResponse>{self._node('tptz:PTZNode')}</tptz:GetNodesResponse>"
        if op == "GetNode":
            return f"<tptz:GetNodeResponse>{self._node('tptz:PTZNode')}</tptz:GetNodeResponse>"
        if op == "GetConfigurationOptions":
            return (
                "<tptz:GetConfigurationOptionsResponse><tptz:PTZConfigurationOptions>"
                f"<tt:Spaces>{self._spaces()}</tt:Spaces><tt:PTZTimeout><tt:Min>PT1S</tt:Min>"
                "<tt:Max>PT60S</tt:Max></tt:PTZTimeout></tptz:PTZConfigurationOptions>"
                "</tptz:GetConfigurationOptionsResponse>"
            )
        if op == "GetStatus":
            head.advance()
            state = "MOVING" if head.moving else "IDLE"
            now = camera_now(self.skew_s).strftime("%Y-%m-%dT%H:%M:%SZ")
            return (
                f"<tptz:GetStatusResponse><tptz:PTZStatus>{_position(*head.position())}"
                f"<tt:MoveStatus><tt:PanTilt>{state}</tt:PanTilt><tt:Zoom>{state}</tt:Zoom>"
                f"</tt:MoveStatus><tt:UtcTime>{now}</tt:UtcTime></tptz:PTZStatus>"
                "</tptz:GetStatusResponse>"
            )
        if op == "ContinuousMove":
            _need(features.continuous, op)
            pan, tilt, zoom = _vector(body, "Velocity")
            head.continuous(pan or 0.0, tilt or 0.0, zoom or 0.0, _timeout(body))
            return self._moved("ContinuousMoveResponse")
        if op == "RelativeMove":
            _need(features.relative, op)
            pan, tilt, zoom = _vector(body, "Translation")
            head.relative(pan or 0.0, tilt or 0.0, zoom or 0.0)
            return self._moved("RelativeMoveResponse")
        if op == "AbsoluteMove":
            _need(features.absolute, op)
            pan, tilt, zoom = _vector(body, "Position")
            for name, value, low in (("pan", pan, -1.0), ("tilt", tilt, -1.0), ("zoom", zoom, 0.0)):
                if value is not None and not low <= value <= 1.0:
                    raise SoapFault("ter:InvalidPosition", f"{name} {value} is out of range")
            head.absolute(
                head.pan if pan is None else pan,
                head.tilt if tilt is None else tilt,
                head.zoom if zoom is None else zoom,
            )
            return self._moved("AbsoluteMoveResponse")
        if op == "Stop":
            head.stop()
            return self._moved("StopResponse")
        if op == "GetPresets":
            _need(features.max_presets > 0, op)
            items = "".join(
                f'<tptz:Preset token="{token}"><tt:Name>{_xml(name)}</tt:Name>'
                f"{_position(pan, tilt, zoom, 'PTZPosition')}</tptz:Preset>"
                for token, (name, pan, tilt, zoom) in head.presets.items()
            )
            return f"<tptz:GetPresetsResponse>{items}</tptz:GetPresetsResponse>"
        if op == "SetPreset":
            _need(features.max_presets > 0, op)
            try:
                token = head.set_preset(
                    text(body, "PresetToken") or None, text(body, "PresetName") or ""
                )
            except KeyError as exc:
                raise SoapFault("ter:NoToken", "no such preset") from exc
            except OverflowError as exc:
                raise SoapFault("ter:TooManyPresets", "preset limit reached", sender=False) from exc
            return (
                f"<tptz:SetPresetResponse><tptz:PresetToken>{token}</tptz:PresetToken>"
                "</tptz:SetPresetResponse>"
            )
        if op in ("GotoPreset", "RemovePreset"):
            _need(features.max_presets > 0, op)
            token = text(body, "PresetToken") or ""
            if token not in head.presets:
                raise SoapFault("ter:NoToken", f"no preset {token!r}")
            if op == "GotoPreset":
                head.goto_preset(token)
                return self._moved("GotoPresetResponse")
            head.remove_preset(token)
            return "<tptz:RemovePresetResponse/>"
        if op == "GotoHomePosition":
            _need(features.home, op)
            head.home()
            return self._moved("GotoHomePositionResponse")
        raise SoapFault("ter:ActionNotSupported", f"{op} is not supported")

    def _moved(self, response: str) -> str:
        self.on_move()
        return f"<tptz:{response}/>"

    def _node(self, tag: str) -> str:
        assert self.head is not None
        f = self.head.features
        return (
            f'<{tag} token="node0" FixedHomePosition="false"><tt:Name>node0</tt:Name>'
            f"<tt:SupportedPTZSpaces>{self._spaces()}</tt:SupportedPTZSpaces>"
            f"<tt:MaximumNumberOfPresets>{f.max_presets}</tt:MaximumNumberOfPresets>"
            f"<tt:HomeSupported>{str(f.home).lower()}</tt:HomeSupported></{tag}>"
        )

    def _spaces(self) -> str:
        assert self.head is not None
        f = self.head.features
        out = []
        if f.absolute:
            out.append(_space2("AbsolutePanTiltPositionSpace", "PositionGenericSpace"))
            out.append(_space1("AbsoluteZoomPositionSpace", "PositionGenericSpace", 0.0))
        if f.relative:
            out.append(_space2("RelativePanTiltTranslationSpace", "TranslationGenericSpace"))
            out.append(_space1("RelativeZoomTranslationSpace", "TranslationGenericSpace", -1.0))
        if f.continuous:
            out.append(_space2("ContinuousPanTiltVelocitySpace", "VelocityGenericSpace"))
            out.append(_space1("ContinuousZoomVelocitySpace", "VelocityGenericSpace", -1.0))
        return "".join(out)


def _need(supported: bool, operation: str) -> None:
    if not supported:
        raise SoapFault("ter:ActionNotSupported", f"this camera does not support {operation}")


def _vector(body: etree._Element, name: str) -> tuple[float | None, float | None, float | None]:
    pan_tilt = child(body, name, "PanTilt")
    zoom = child(body, name, "Zoom")
    return number(pan_tilt, "x"), number(pan_tilt, "y"), number(zoom, "x")


def _timeout(body: etree._Element) -> float | None:
    raw = text(body, "Timeout")
    if not raw:
        return None
    match = _DURATION.match(raw)
    if match is None:
        raise SoapFault("ter:InvalidArgVal", f"Timeout {raw!r} is not a duration like PT2S")
    return float(match.group(1) or 0) * 60 + float(match.group(2) or 0)


def _position(pan: float, tilt: float, zoom: float, tag: str = "Position") -> str:
    return (
        f'<tt:{tag}><tt:PanTilt x="{pan:.4f}" y="{tilt:.4f}" space="{_PT}PositionGenericSpace"/>'
        f'<tt:Zoom x="{zoom:.4f}" space="{_Z}PositionGenericSpace"/></tt:{tag}>'
    )


def _space2(tag: str, space: str) -> str:
    return (
        f"<tt:{tag}><tt:URI>{_PT}{space}</tt:URI><tt:XRange><tt:Min>-1</tt:Min><tt:Max>1"
        "</tt:Max></tt:XRange><tt:YRange><tt:Min>-1</tt:Min><tt:Max>1</tt:Max></tt:YRange>"
        f"</tt:{tag}>"
    )


def _space1(tag: str, space: str, low: float) -> str:
    return (
        f"<tt:{tag}><tt:URI>{_Z}{space}</tt:URI><tt:XRange><tt:Min>{low:g}</tt:Min>"
        f"<tt:Max>1</tt:Max></tt:XRange></tt:{tag}>"
    )


def _xml(value: str) -> str:
    from xml.sax.saxutils import escape

    return escape(value)
