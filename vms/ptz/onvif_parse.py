"""Reads the parts of ONVIF answers the driver needs (zeep objects, loosely typed)."""

from __future__ import annotations

from typing import Any

from vms.ptz.driver import PtzCapabilities, PtzPosition, PtzUnsupported


def ptz_profile(profiles: Any) -> tuple[str, str, str]:
    """(profile token, PTZ configuration token, node token) of the first profile with PTZ."""
    for profile in profiles or []:
        config = getattr(profile, "PTZConfiguration", None)
        if config is not None:
            return str(profile.token), str(config.token), str(getattr(config, "NodeToken", ""))
    raise PtzUnsupported("no media profile of this camera has a PTZ configuration")


def _has(spaces: Any, name: str) -> bool:
    return bool(spaces is not None and getattr(spaces, name, None))


def capabilities_of(nodes: Any, node_token: str, options: Any) -> PtzCapabilities:
    """What the node (GetNodes) and the configuration (GetConfigurationOptions) both offer."""
    node = next((n for n in nodes or [] if str(n.token) == node_token), None)
    if node is None and nodes:
        node = nodes[0]
    if node is None:
        raise PtzUnsupported("the camera lists no PTZ node")
    node_spaces = getattr(node, "SupportedPTZSpaces", None)
    option_spaces = getattr(options, "Spaces", None) if options is not None else None

    def offered(name: str) -> bool:
        return _has(node_spaces, name) and (option_spaces is None or _has(option_spaces, name))

    max_presets = int(getattr(node, "MaximumNumberOfPresets", 0) or 0)
    return PtzCapabilities(
        continuous=offered("ContinuousPanTiltVelocitySpace"),
        relative=offered("RelativePanTiltTranslationSpace"),
        absolute=offered("AbsolutePanTiltPositionSpace"),
        presets=max_presets > 0,
        home=bool(getattr(node, "HomeSupported", False)),
        max_presets=max_presets,
    )


def position_of(status: Any) -> PtzPosition:
    """A PTZStatus (GetStatus) or a PTZVector (a preset) as a PtzPosition."""
    where = getattr(status, "Position", None)
    pan_tilt = getattr(where, "PanTilt", None)
    zoom = getattr(where, "Zoom", None)
    move = getattr(status, "MoveStatus", None)
    states = [str(getattr(move, part, "") or "") for part in ("PanTilt", "Zoom")]
    return PtzPosition(
        pan=float(getattr(pan_tilt, "x", 0.0) or 0.0),
        tilt=float(getattr(pan_tilt, "y", 0.0) or 0.0),
        zoom=float(getattr(zoom, "x", 0.0) or 0.0),
        moving=any(state.upper() == "MOVING" for state in states),
    )
