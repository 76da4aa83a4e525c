"""Where a camera URL may lead: the site's camera networks, and no secret in the URL itself.

One policy for every path that saves or opens a camera URL (API, CLI, import, ingest at connect
time): the host is parsed strictly (no decimal, octal or hex IPv4 tricks), a name is resolved
and every address it resolves to must lie in a declared camera network and outside the ranges
that are never a camera (link-local, cloud metadata, unspecified, multicast). Credentials never
ride in a URL (user:pass@ or ?password=): they go in the camera's username/password fields.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ingest.urls import InvalidCameraUrl, validate_camera_url

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# A typical camera LAN; a site names its own in [ingest] camera_networks.
DEFAULT_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")

# Never a camera, whatever the site declares: link-local (and the metadata services on it),
# cloud metadata addresses elsewhere, unspecified, broadcast and multicast.
NEVER = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.0.0/16", "fe80::/10", "100.100.100.200/32", "fd00:ec2::254/128",
        "0.0.0.0/8", "255.255.255.255/32", "224.0.0.0/4", "::/128", "ff00::/8",
    )
)  # fmt: skip

# Query parameters that carry a secret (lower-cased, '-' and '_' dropped before comparing).
_SECRET_PARAMS = frozenset(
    {"password", "passwd", "pass", "pwd", "passphrase", "secret", "token", "accesstoken",
     "apikey", "key", "auth", "authorization", "signature", "sig", "credential", "credentials",
     "user", "username", "login"}
)  # fmt: skip
_DOTTED_QUAD = re.compile(
    r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"
)
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|\d+)", re.IGNORECASE)


class HostNotResolved(InvalidCameraUrl):
    """The camera URL's host name does not resolve (ingest reports it as host not found)."""


WHERE_CREDENTIALS_GO = "put them in the camera's username and password fields"


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDR strings as networks; ValueError naming a bad one."""
    out = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not a network (CIDR, e.g. 10.20.0.0/16): {value!r}") from None
    return tuple(out)


def _secret_param(name: str) -> bool:
    return name.lower().replace("-", "").replace("_", "") in _SECRET_PARAMS


def check_no_secret(url: str) -> None:
    """InvalidCameraUrl if `url` carries credentials (userinfo or a secret query parameter)."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise InvalidCameraUrl(
            f"camera URL must not carry a user name or password; {WHERE_CREDENTIALS_GO}"
        )
    for name, _value in parse_qsl(parts.query, keep_blank_values=True):
        if _secret_param(name):
            hint = (
                "put the SRT passphrase in the camera's password field"
                if name.lower() == "passphrase"
                else WHERE_CREDENTIALS_GO
            )
            raise InvalidCameraUrl(
                f"camera URL must not carry a secret in '?{name}=': {hint} (never shown)"
            )


def redact_url(url: str | None) -> str | None:
    """`url` without userinfo and with secret query values replaced: for showing and export
    (a row saved before the policy may still hold one)."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unreadable URL)"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_secret_param(k) for k, _ in pairs):
            query = urlencode([(k, "REDACTED" if _secret_param(k) else v) for k, v in pairs])
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def literal_address(host: str) -> Address | None:
    """The address `host` spells in canonical form, None for a name; InvalidCameraUrl for a
    numeric host in any other spelling (2130706433, 0x7f.1, 0177.0.0.1)."""
    try:
        addr = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        labels = host.rstrip(".").split(".")
        if _NUMERIC_LABEL.fullmatch(labels[-1]) and not _DOTTED_QUAD.fullmatch(host):
            raise InvalidCameraUrl(
                f"camera URL host '{host}' is a number but not a plain IPv4 address; "
                "write it as four decimal numbers, e.g. 10.20.0.5"
            ) from None
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        raise InvalidCameraUrl(f"write the camera address '{host}' as a plain IPv4 address")
    if isinstance(addr, ipaddress.IPv4Address) and not _DOTTED_QUAD.fullmatch(host):
        raise InvalidCameraUrl(f"write the camera address '{host}' as four decimal numbers")
    return addr


def _plain(addr: Address) -> Address:
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def resolve(host: str, port: int | None) -> list[Address]:
    """Every address `host` stands for; InvalidCameraUrl if it does not resolve."""
    literal = literal_address(host)
    if literal is not None:
        return [_plain(literal)]
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        raise HostNotResolved(f"camera URL host '{host}' does not resolve") from None
    return [_plain(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])) for info in infos]


def check_destination(
    url: str,
    networks: Sequence[Network],
    refused_ports: Iterable[tuple[Address, int]] = (),
    *,
    strict_names: bool = True,
) -> None:
    """InvalidCameraUrl unless every address the URL's host resolves to is in `networks`, not
    in NEVER, and not one of the server's own services (`refused_ports`). No connection is made;
    only DNS for a name."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise InvalidCameraUrl("camera URL has no host")
    port = parts.port or _default_port(parts.scheme)
    own = {(_plain(a), p) for a, p in refused_ports}
    try:
        addresses = resolve(host, port)
    except HostNotResolved:
        if strict_names:
            raise
        addresses = []  # not resolvable yet: ingest checks what it resolves to on every connect
    for addr in addresses:
        if any(addr in net for net in NEVER if net.version == addr.version):
            raise InvalidCameraUrl(
                f"camera URL host '{host}' is a link-local, metadata or broadcast address: "
                "never a camera"
            )
        if not any(addr in net for net in networks if net.version == addr.version):
            raise InvalidCameraUrl(
                f"camera URL host '{host}' is outside this site's camera networks "
                "([ingest] camera_networks)"
            )
        if (addr, port) in own or (
            addr.is_loopback and any(p == port for a, p in own if a.is_loopback)
        ):
            raise InvalidCameraUrl(f"camera URL points at this server's own service on port {port}")


_PORTS = {"rtsp": 554, "rtsps": 322, "rtmp": 1935, "rtmps": 443, "http": 80, "https": 443}


def _default_port(scheme: str) -> int | None:
    return _PORTS.get(scheme.lower())


def check_camera_url(
    url: str,
    schemes: Iterable[str],
    networks: Sequence[Network],
    refused_ports: Iterable[tuple[Address, int]] = (),
    *,
    strict_names: bool = True,
) -> str:
    """The whole policy: form (ingest/urls.py), no secret, an allowed destination. Returns
    the trimmed URL or raises InvalidCameraUrl saying why. `strict_names=False` (saving) lets a
    name that does not resolve yet through; connecting (`True`) never does."""
    url = validate_camera_url(url, schemes)
    check_no_secret(url)
    check_destination(url, networks, refused_ports, strict_names=strict_names)
    return url


@dataclass(frozen=True, slots=True)
class CameraUrlPolicy:
    """The policy as one value: what the registry checks on save and ingest on connect."""

    schemes: tuple[str, ...]
    networks: tuple[Network, ...]
    refused_ports: tuple[tuple[Address, int], ...] = ()

    def check(self, url: str, *, connecting: bool = True) -> str:
        """The trimmed URL, or InvalidCameraUrl saying why it is refused. On save
        (`connecting=False`) a name that does not resolve yet passes: every connect checks."""
        return check_camera_url(
            url, self.schemes, self.networks, self.refused_ports, strict_names=connecting
        )
