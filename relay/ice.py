"""Host-candidate policy: the answer offers only the configured local addresses.

aioice gathers a host candidate on every interface of the machine (and skips 127.0.0.1). A VMS
server usually sits on several networks (camera VLAN, operators' LAN, management), and must not
advertise the camera network to viewers, so the relay replaces aioice's address discovery with
the configured `relay.ice_interfaces`. aioice looks the function up in its module at gathering
time, so this is one hook, installed while the relay runs and removed when it stops. It applies
to the whole process: the relay is the only WebRTC user in a server process.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from typing import Protocol

import aioice.ice
import ifaddr
from aiortc import RTCPeerConnection

from vms.errors import ConfigError

log = logging.getLogger(__name__)


class HostAddresses(Protocol):
    """The shape of aioice's `get_host_addresses`."""

    def __call__(self, use_ipv4: bool, use_ipv6: bool) -> list[str]: ...


def local_addresses() -> set[str]:
    """Every address of this machine's interfaces (IPv6 without scope)."""
    found: set[str] = set()
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            found.add(ip.ip if isinstance(ip.ip, str) else ip.ip[0])
    return found


class HostCandidatePolicy:
    """Limits ICE host candidates to `addresses` while installed."""

    def __init__(self, addresses: list[str]) -> None:
        parsed = []
        for text in addresses:
            try:
                addr = ipaddress.ip_address(text)
            except ValueError:
                raise ConfigError(f"relay.ice_interfaces: {text!r} is not an IP address") from None
            if addr.is_unspecified or addr.is_multicast:
                raise ConfigError(f"relay.ice_interfaces: {text} cannot be a host candidate")
            parsed.append(str(addr))
        self.addresses = parsed
        self._saved: HostAddresses | None = None

    def host_addresses(self, use_ipv4: bool, use_ipv6: bool) -> list[str]:
        """Drop-in for aioice's `get_host_addresses`: the configured addresses present here."""
        present = local_addresses()
        chosen = []
        for text in self.addresses:
            version = ipaddress.ip_address(text).version
            if (version == 4 and not use_ipv4) or (version == 6 and not use_ipv6):
                continue
            if text in present:
                chosen.append(text)
        return chosen

    def install(self) -> None:
        """Route aioice's address discovery through this policy."""
        if self._saved is not None:
            return
        missing = set(self.addresses) - local_addresses()
        if missing:
            log.warning("relay.ice_interfaces not on this machine, skipped: %s", sorted(missing))
        self._saved = aioice.ice.get_host_addresses
        aioice.ice.get_host_addresses = self.host_addresses

    def uninstall(self) -> None:
        """Give aioice its own address discovery back."""
        if self._saved is not None:
            aioice.ice.get_host_addresses = self._saved
            self._saved = None


async def stop_consent_checks(pc: RTCPeerConnection, watch_s: float = 0.5) -> int:
    """Cancel consent-freshness tasks left running after `pc.close()`; returns how many.

    aioice race: when a peer connection closes just as ICE completes, `Connection.connect()`
    resumes (up to one 20 ms check period) after `close()` and starts its consent task on the
    closed connection, where it sleeps forever (no pairs left, so it never fails). Run this
    after every close; it watches for `watch_s` and cancels what appears.
    """
    connections = [
        t.receiver.transport.transport.iceGatherer._connection for t in pc.getTransceivers()
    ]
    cancelled = 0
    deadline = asyncio.get_running_loop().time() + watch_s
    while True:
        for connection in connections:
            task = getattr(connection, "_query_consent_task", None)
            if task is not None and not task.done():
                task.cancel()
                cancelled += 1
        if asyncio.get_running_loop().time() >= deadline:
            return cancelled
        await asyncio.sleep(0.02)
