"""Camera stream health as the whole site sees it: local streams from this node's registry,
the others' from what their owners wrote to Redis on their last tick.

Each node writes the state of the streams it pulls into one hash (`<prefix>health`, field
`<camera>:<stream>` → `<node>|<state>|<reason>`) every tick and reads the hash back, so the
camera list of any node shows every camera's state, not only its own. An entry counts only
while its node still holds the camera's lease; otherwise the stream reads as unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from ingest.health import HealthRegistry, StreamHealth, StreamState
from ingest.packet import StreamKey, StreamKind


class HealthSource(Protocol):
    """What the camera list needs: the health of one stream, or None when unknown."""

    def get(self, key: StreamKey) -> StreamHealth | None: ...


def encode(node: str, streams: Iterable[StreamHealth]) -> dict[str, str]:
    """The hash fields this node writes for the streams it pulls."""
    return {
        f"{h.key.camera_id}:{h.key.stream}": f"{node}|{h.state.value}|{h.reason or ''}"
        for h in streams
    }


def decode(raw: Mapping[bytes, bytes]) -> dict[StreamKey, tuple[str, StreamState, str | None]]:
    out: dict[StreamKey, tuple[str, StreamState, str | None]] = {}
    for field, value in raw.items():
        try:
            cam, _, stream = field.decode().partition(":")
            node, state, reason = value.decode().split("|", 2)
            if stream not in ("main", "sub"):
                continue
            kind: StreamKind = "main" if stream == "main" else "sub"
            out[StreamKey(int(cam), kind)] = (node, StreamState(state), reason or None)
        except (ValueError, UnicodeDecodeError):
            continue
    return out


class SiteHealth:
    """`HealthSource` over this node's registry and the site's last written states."""

    def __init__(self, local: HealthRegistry, owner: Callable[[int], str | None]) -> None:
        self.local = local
        self._owner = owner
        self.remote: dict[StreamKey, tuple[str, StreamState, str | None]] = {}

    def get(self, key: StreamKey) -> StreamHealth | None:
        here = self.local.get(key)
        if here is not None:
            return here
        entry = self.remote.get(key)
        if entry is None or self._owner(key.camera_id) != entry[0]:
            return None
        return StreamHealth(key, state=entry[1], reason=entry[2])
