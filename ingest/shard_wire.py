"""The framing between the supervisor and its ingest shards: length-prefixed binary messages.

Every message is `u32 length | u8 kind | body`. Packets, by far the most frequent, have a fixed
binary header followed by the payload bytes as they are (no pickle, no per-packet JSON); the rare
control messages (config, stream start, stream info, state) carry a small JSON body. A stream is
named on the wire by a `u32` worker id the supervisor picks per start, so that anything still in
flight from a stopped worker is recognised and ignored.
"""

from __future__ import annotations

import json
import struct
from dataclasses import asdict
from enum import IntEnum
from fractions import Fraction
from typing import Any

from ingest.health import StreamState
from ingest.packet import EncodedPacket, StreamInfo, StreamKey
from ingest.spec import StreamSpec

MAX_MESSAGE_BYTES = 32 << 20  # a larger length means a corrupt stream: the shard is restarted

_LEN = struct.Struct("<I")
_KIND = struct.Struct("<B")
_ID = struct.Struct("<I")
# worker id, pts, time base num/den, flags, received, wallclock, codec length
_PACKET = struct.Struct("<IqIIBddB")
_KEYFRAME = 1


class Kind(IntEnum):
    """What a message is. Below 16: shard to supervisor; from 16: supervisor to shard."""

    PACKET = 1
    INFO = 2
    STATE = 3
    RECONNECT = 4
    DONE = 5  # the worker's thread has ended
    STATS = 6  # counters of the shard: {"dropped": n}
    CONFIG = 16
    START = 17
    STOP = 18


class WireError(Exception):
    """The byte stream does not follow the framing (the peer is broken or not a shard)."""


def frame(kind: Kind, body: bytes) -> bytes:
    """One whole message."""
    return _LEN.pack(len(body) + 1) + _KIND.pack(kind) + body


def read_length(head: bytes) -> int:
    """The length that follows a 4-byte header; refuses absurd lengths."""
    (n,) = _LEN.unpack(head)
    if n < 1 or n > MAX_MESSAGE_BYTES:
        raise WireError(f"message length {n} out of range")
    return n


def split(message: bytes) -> tuple[Kind, memoryview]:
    """(kind, body) of a message read after its length header."""
    try:
        kind = Kind(message[0])
    except ValueError:
        raise WireError(f"unknown message kind {message[0]}") from None
    return kind, memoryview(message)[1:]


# --- shard to supervisor ----------------------------------------------------------------------


def encode_packet(worker_id: int, packet: EncodedPacket) -> bytes:
    codec = packet.codec.encode()
    head = _PACKET.pack(
        worker_id,
        packet.pts,
        packet.time_base.numerator,
        packet.time_base.denominator,
        _KEYFRAME if packet.is_keyframe else 0,
        packet.received,
        packet.wallclock,
        len(codec),
    )
    body = b"".join((head, codec, packet.data))
    return _LEN.pack(len(body) + 1) + _KIND.pack(Kind.PACKET) + body


def decode_packet(body: memoryview) -> tuple[int, EncodedPacket]:
    worker_id, pts, num, den, flags, received, wallclock, codec_len = _PACKET.unpack_from(body)
    start = _PACKET.size + codec_len
    packet = EncodedPacket(
        data=bytes(body[start:]),
        pts=pts,
        time_base=Fraction(num, den),
        is_keyframe=bool(flags & _KEYFRAME),
        codec=str(body[_PACKET.size : start], "utf-8"),
        received=received,
        wallclock=wallclock,
    )
    return worker_id, packet


def encode_id(kind: Kind, worker_id: int) -> bytes:
    return frame(kind, _ID.pack(worker_id))


def decode_id(body: memoryview) -> int:
    return int(_ID.unpack_from(body)[0])


def _with_json(kind: Kind, worker_id: int, value: Any) -> bytes:
    return frame(kind, _ID.pack(worker_id) + json.dumps(value).encode())


def _json_of(body: memoryview) -> tuple[int, Any]:
    return decode_id(body), json.loads(bytes(body[_ID.size :]))


def encode_info(worker_id: int, info: StreamInfo) -> bytes:
    value = asdict(info)
    value["extradata"] = info.extradata.hex() if info.extradata is not None else None
    return _with_json(Kind.INFO, worker_id, value)


def decode_info(body: memoryview) -> tuple[int, StreamInfo]:
    worker_id, value = _json_of(body)
    extradata = value.pop("extradata")
    return worker_id, StreamInfo(
        **value, extradata=bytes.fromhex(extradata) if extradata is not None else None
    )


def encode_state(worker_id: int, state: StreamState, reason: str | None) -> bytes:
    return _with_json(Kind.STATE, worker_id, [state.value, reason])


def decode_state(body: memoryview) -> tuple[int, StreamState, str | None]:
    worker_id, (state, reason) = _json_of(body)
    return worker_id, StreamState(state), reason


def encode_stats(dropped: int) -> bytes:
    return frame(Kind.STATS, json.dumps({"dropped": dropped}).encode())


def decode_stats(body: memoryview) -> int:
    return int(json.loads(bytes(body))["dropped"])


# --- supervisor to shard ----------------------------------------------------------------------


def encode_config(config: dict[str, Any]) -> bytes:
    return frame(Kind.CONFIG, json.dumps(config).encode())


def decode_config(body: memoryview) -> dict[str, Any]:
    value = json.loads(bytes(body))
    if not isinstance(value, dict):
        raise WireError("config is not an object")
    return value


def encode_start(worker_id: int, spec: StreamSpec) -> bytes:
    """Credentials travel here, over the pipe, never on a command line."""
    value = {
        "camera_id": spec.key.camera_id,
        "stream": spec.key.stream,
        "url": spec.url,
        "username": spec.username,
        "password": spec.password,
        "transport": spec.transport,
        "pull_mode": spec.pull_mode,
    }
    return _with_json(Kind.START, worker_id, value)


def decode_start(body: memoryview) -> tuple[int, StreamSpec]:
    worker_id, v = _json_of(body)
    spec = StreamSpec(
        key=StreamKey(int(v["camera_id"]), v["stream"]),
        url=v["url"],
        username=v["username"],
        password=v["password"],
        transport=v["transport"],
        pull_mode=v["pull_mode"],
    )
    return worker_id, spec
