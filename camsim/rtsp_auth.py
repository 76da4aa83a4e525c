"""RTSP authentication as cameras do it: HTTP Digest (RFC 2617/7616, MD5) or Basic.

Nonces are stateless (a timestamp and its HMAC under a per-process key), so no table of
issued nonces can grow; a nonce older than `NONCE_TTL_S` is answered with `stale=true`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time

from camsim.config import Credentials

REALM = "camsim"
NONCE_TTL_S = 300


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class Authenticator:
    """Checks Authorization headers against a camera's credentials and builds challenges."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(16)

    def challenge(self, creds: Credentials, stale: bool = False) -> str:
        """The WWW-Authenticate value for a 401."""
        if creds.method == "basic":
            return f'Basic realm="{REALM}"'
        extra = ", stale=true" if stale else ""
        return f'Digest realm="{REALM}", nonce="{self._nonce()}", algorithm=MD5{extra}'

    def check(self, creds: Credentials, method: str, header: str | None) -> bool | None:
        """True if `header` proves the credentials, False if not, None if the nonce is stale."""
        if not header:
            return False
        scheme, _, rest = header.partition(" ")
        if creds.method == "basic":
            return scheme.lower() == "basic" and self._check_basic(creds, rest.strip())
        if scheme.lower() != "digest":
            return False
        fields = parse_auth_fields(rest)
        nonce = fields.get("nonce", "")
        age = self._nonce_age(nonce)
        if age is None:
            return False
        if not 0 <= age <= NONCE_TTL_S:
            return None
        if fields.get("username") != creds.user or fields.get("realm") != REALM:
            return False
        ha1 = _md5(f"{creds.user}:{REALM}:{creds.password}")
        ha2 = _md5(f"{method}:{fields.get('uri', '')}")
        qop = fields.get("qop")
        if qop == "auth":
            nc, cnonce = fields.get("nc", ""), fields.get("cnonce", "")
            expected = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        elif qop is None:
            expected = _md5(f"{ha1}:{nonce}:{ha2}")
        else:
            return False
        return hmac.compare_digest(expected, fields.get("response", ""))

    def _check_basic(self, creds: Credentials, token: str) -> bool:
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected = f"{creds.user}:{creds.password}"
        return hmac.compare_digest(decoded.encode(), expected.encode())

    def _nonce(self) -> str:
        stamp = f"{int(time.time()):x}"
        mac = hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:24]
        return f"{stamp}{mac}"

    def _nonce_age(self, nonce: str) -> float | None:
        """Seconds since we issued `nonce`, or None if we never did."""
        stamp, mac = nonce[:-24], nonce[-24:]
        if not stamp or len(stamp) > 16:
            return None
        good = hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:24]
        if not hmac.compare_digest(good, mac):
            return None
        try:
            return time.time() - int(stamp, 16)
        except ValueError:
            return None


def parse_auth_fields(text: str) -> dict[str, str]:
    """`a="x", b=y` pairs of a Digest Authorization header (quoted commas respected)."""
    fields: dict[str, str] = {}
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " ,":
            i += 1
        eq = text.find("=", i)
        if eq < 0:
            break
        name = text[i:eq].strip().lower()
        i = eq + 1
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            fields[name] = text[i + 1 : end]
            i = end + 1
        else:
            end = text.find(",", i)
            end = n if end < 0 else end
            fields[name] = text[i:end].strip()
            i = end
    return fields
