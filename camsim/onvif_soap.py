"""SOAP 1.2 plumbing for the simulator's ONVIF services: parse a request, check its
WS-UsernameToken digest against the camera's clock, and wrap answers and faults.

The simulator is a test peer, so answers are XML templates; what matters is that a real ONVIF
client (onvif-zeep-async, with its WSDLs) accepts them and that the security check is the
real one: PasswordDigest = base64(sha1(nonce + created + password)), Created within five
minutes of the camera's own clock.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

from camsim.config import Credentials

ENV = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST_TYPE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordDigest"
)
NAMESPACES = {
    "env": ENV,
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
    "ter": "http://www.onvif.org/ver10/error",
}
MAX_SKEW_S = 300.0


class SoapFault(Exception):
    """Answered as a SOAP fault: `subcode` is an ONVIF error code (ter:...)."""

    def __init__(self, subcode: str, reason: str, status: int = 400, sender: bool = True) -> None:
        super().__init__(reason)
        self.subcode = subcode
        self.reason = reason
        self.status = status
        self.sender = sender


@dataclass(frozen=True, slots=True)
class SoapRequest:
    operation: str  # local name of the body's first element, e.g. "GetProfiles"
    body: etree._Element


def parse(data: bytes) -> tuple[SoapRequest, etree._Element | None]:
    """The request's operation and its wsse:Security header (None when absent)."""
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise SoapFault("ter:WellFormed", "request is not well-formed XML") from exc
    body = root.find(f"{{{ENV}}}Body")
    if body is None or len(body) == 0:
        raise SoapFault("ter:WellFormed", "no SOAP 1.2 body")
    operation = body[0]
    security = root.find(f"{{{ENV}}}Header/{{{WSSE}}}Security")
    return SoapRequest(etree.QName(operation).localname, operation), security


def camera_now(skew_s: float) -> dt.datetime:
    """The camera's clock: real UTC time plus its configured skew."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=skew_s)


def check_token(security: etree._Element | None, creds: Credentials, skew_s: float) -> None:
    """Refuse (NotAuthorized, HTTP 401) unless the UsernameToken matches `creds` and its
    Created time is within MAX_SKEW_S of the camera's clock."""
    if security is None:
        raise _not_authorized("no WS-Security header")
    token = security.find(f"{{{WSSE}}}UsernameToken")
    if token is None:
        raise _not_authorized("no UsernameToken")
    user = token.findtext(f"{{{WSSE}}}Username") or ""
    password = token.find(f"{{{WSSE}}}Password")
    nonce = token.findtext(f"{{{WSSE}}}Nonce") or ""
    created = token.findtext(f"{{{WSU}}}Created") or ""
    if password is None or password.get("Type") != DIGEST_TYPE:
        raise _not_authorized("a PasswordDigest is required")
    try:
        raw_nonce = base64.b64decode(nonce, validate=True)
        when = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _not_authorized("bad Nonce or Created") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if abs((when - camera_now(skew_s)).total_seconds()) > MAX_SKEW_S:
        raise _not_authorized("Created is too far from the camera's clock")
    expected = base64.b64encode(
        hashlib.sha1(raw_nonce + created.encode() + creds.password.encode()).digest()  # noqa: S324
    ).decode()
    ok_user = hmac.compare_digest(user.encode(), creds.user.encode())
    if not (hmac.compare_digest(expected, (password.text or "").strip()) and ok_user):
        raise _not_authorized("the user name or password is wrong")


def _not_authorized(reason: str) -> SoapFault:
    return SoapFault("ter:NotAuthorized", f"Sender not Authorized: {reason}", status=401)


def envelope(body: str) -> bytes:
    """A SOAP 1.2 envelope around `body` (XML using the NAMESPACES prefixes)."""
    decls = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope {decls}>'
        f"<env:Body>{body}</env:Body></env:Envelope>"
    ).encode()


def fault(exc: SoapFault) -> bytes:
    code = "env:Sender" if exc.sender else "env:Receiver"
    return envelope(
        f"<env:Fault><env:Code><env:Value>{code}</env:Value><env:Subcode>"
        f"<env:Value>{exc.subcode}</env:Value></env:Subcode></env:Code>"
        f'<env:Reason><env:Text xml:lang="en">{escape(exc.reason)}</env:Text></env:Reason>'
        "</env:Fault>"
    )


def child(element: etree._Element, *names: str) -> etree._Element | None:
    """The descendant reached by local names (namespaces ignored), or None."""
    current: etree._Element | None = element
    for name in names:
        if current is None:
            return None
        current = next(
            (c for c in current if isinstance(c.tag, str) and etree.QName(c).localname == name),
            None,
        )
    return current


def text(element: etree._Element, *names: str) -> str | None:
    found = child(element, *names)
    return None if found is None else (found.text or "").strip()


def number(element: etree._Element | None, attribute: str) -> float | None:
    """A float attribute (x, y), None when the element or attribute is absent."""
    if element is None or element.get(attribute) is None:
        return None
    try:
        value = float(element.get(attribute, ""))
    except ValueError as exc:
        raise SoapFault("ter:InvalidArgVal", f"{attribute} is not a number") from exc
    if value != value or abs(value) == float("inf"):
        raise SoapFault("ter:InvalidArgVal", f"{attribute} is not finite")
    return value
