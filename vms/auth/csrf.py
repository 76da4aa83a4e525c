"""Cross-site request forgery defence for cookie-authenticated requests.

A browser attaches the session cookie to any request towards us, even one a foreign page
makes. Unsafe methods authenticated by cookie must therefore prove they come from our own
pages: a same-origin (or trusted) `Origin`, else `Referer`, else the `X-VMS-CSRF` header that
a foreign page cannot set without a CORS preflight we never grant. A foreign Origin is refused
even with the header. SameSite=Strict on the cookie is the second line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from vms.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-vms-csrf"


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL, lower-cased; None when it has no host."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def check_same_origin(
    method: str,
    headers: Mapping[str, str],
    own_origin: str,
    trusted: Iterable[str] = (),
) -> None:
    """Raise Forbidden unless an unsafe request demonstrably comes from an allowed origin."""
    if method.upper() in SAFE_METHODS:
        return
    allowed = {own_origin.lower().rstrip("/")} | {
        o for o in (origin_of(t) for t in trusted) if o is not None
    }
    origin = headers.get("origin")
    if origin is not None:
        if origin_of(origin) in allowed:
            return
        raise Forbidden("cross-origin request refused")
    referer = headers.get("referer")
    if referer:
        if origin_of(referer) in allowed:
            return
        raise Forbidden("cross-origin request refused")
    if headers.get(CSRF_HEADER):
        return
    raise Forbidden("request must carry a same-origin Origin or the X-VMS-CSRF header")
