"""The aiortc and aioice internals the relay relies on are still where we reach for them.

pyproject.toml bounds both libraries to the versions tested; this test is what fails first
when a bound is lifted and an internal has moved (see docs/relay.md).
"""

from __future__ import annotations

import inspect

import aioice.ice
from aiortc import RTCIceGatherer
from aiortc.codecs.h264 import H264Encoder


def test_aioice_host_address_discovery_is_patchable() -> None:
    # relay/ice.py replaces this module-level function to choose the ICE interfaces
    assert callable(aioice.ice.get_host_addresses)
    params = inspect.signature(aioice.ice.get_host_addresses).parameters
    assert list(params) == ["use_ipv4", "use_ipv6"]


def test_aioice_connection_consent_task_attribute() -> None:
    # relay/ice.py stop_consent_checks cancels Connection._query_consent_task
    source = inspect.getsource(aioice.ice.Connection)
    assert "self._query_consent_task" in source


def test_aiortc_gatherer_exposes_its_connection() -> None:
    gatherer = RTCIceGatherer()
    assert isinstance(gatherer._connection, aioice.ice.Connection)


def test_aiortc_h264_packetizer_static_helpers() -> None:
    # relay/packetize.py packetizes camera H.264 with aiortc's own FU-A/STAP-A code
    nal = b"\x00\x00\x00\x01\x65" + bytes(3000)
    units = list(H264Encoder._split_bitstream(nal))
    assert units == [nal[4:]]
    payloads = H264Encoder._packetize(units)
    assert len(payloads) > 1 and all(len(p) <= 1300 for p in payloads)
