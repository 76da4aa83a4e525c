"""RTP payloads of a picture, made once and shared by every viewer of the stream.

aiortc's sender packetizes each frame for each viewer (copy into an av.Packet, split the
Annex-B bitstream, FU-A/STAP-A). Every viewer of a stream sends the same payloads, so the relay
packetizes a bus packet once (`PayloadCache`) and each viewer's sender only adds its own RTP
header, SRTP and send. `SharedPacker` stands in for aiortc's H264Encoder in our senders and
takes `RelayPacket`s (the payloads plus this viewer's RTP timestamp) from `BusTrack.recv()`.
"""

from __future__ import annotations

from collections import OrderedDict
from fractions import Fraction

from aiortc.codecs.h264 import H264Encoder

from ingest.packet import EncodedPacket

CACHE_PACKETS = 1024  # ~1 s of 60 cameras at 15 fps; a viewer further behind packs again


class PayloadCache:
    """Payloads per bus packet, most recent `size` packets. One per relay, loop thread only."""

    def __init__(self, size: int = CACHE_PACKETS) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        # keyed by id(): the entry holds the packet, so the id cannot be reused meanwhile
        self._entries: OrderedDict[int, tuple[EncodedPacket, list[bytes]]] = OrderedDict()

    def payloads(self, packet: EncodedPacket) -> list[bytes]:
        """The H.264 RTP payloads of `packet` (packetization-mode 1); never modify the list."""
        entry = self._entries.get(id(packet))
        if entry is not None and entry[0] is packet:
            self.hits += 1
            return entry[1]
        self.misses += 1
        payloads = H264Encoder._packetize(H264Encoder._split_bitstream(packet.data))
        self._entries[id(packet)] = (packet, payloads)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return payloads


class RelayPacket:
    """What `BusTrack.recv()` hands to the sender: a camera picture at this viewer's RTP time."""

    __slots__ = ("_cache", "pts", "source", "time_base")

    def __init__(
        self, source: EncodedPacket, pts: int, time_base: Fraction, cache: PayloadCache
    ) -> None:
        self.source = source
        self.pts = pts  # in `time_base` units: the 90 kHz RTP clock
        self.time_base = time_base
        self._cache = cache

    def __bytes__(self) -> bytes:
        return self.source.data

    @property
    def payloads(self) -> list[bytes]:
        return self._cache.payloads(self.source)


class SharedPacker:
    """The sender's "encoder" for a bus track: returns the shared payloads, encodes nothing."""

    def pack(self, packet: RelayPacket) -> tuple[list[bytes], int]:
        return packet.payloads, packet.pts
