"""HealthRegistry listeners: state changes (only real ones) and removals (only known streams)."""

from __future__ import annotations

from ingest.health import HealthRegistry, StreamHealth, StreamState
from ingest.packet import StreamKey


def test_listeners_hear_changes_and_removals_once() -> None:
    changes: list[tuple[StreamKey, StreamState, str | None]] = []
    removed: list[StreamKey] = []

    def on_change(h: StreamHealth) -> None:
        changes.append((h.key, h.state, h.reason))

    registry = HealthRegistry(on_change=on_change)
    registry.add_removal_listener(removed.append)
    key = StreamKey(7, "main")
    registry.set_state(key, StreamState.STARTING)
    registry.set_state(key, StreamState.STARTING)  # no change
    registry.set_state(key, StreamState.OFFLINE, "camera unreachable")
    registry.set_state(key, StreamState.OFFLINE, "host not found")  # a new reason is a change
    assert [c[1:] for c in changes] == [
        (StreamState.STARTING, None),
        (StreamState.OFFLINE, "camera unreachable"),
        (StreamState.OFFLINE, "host not found"),
    ]
    registry.remove(key)
    registry.remove(key)  # already gone: nobody hears of it again
    registry.remove(StreamKey(8, "main"))  # never known
    assert removed == [key]
    assert registry.get(key) is None
