"""Digest (RFC 2617/7616, MD5) and Basic as cameras speak them, checked against our own
independent computation of the response."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest

from camsim import rtsp_auth
from camsim.config import Credentials
from camsim.rtsp_auth import NONCE_TTL_S, Authenticator, parse_auth_fields
from tests.camsim.rtsp_client import digest, parse_challenge

CREDS = Credentials("admin", "S3cr3t!")
URI = "rtsp://127.0.0.1:554/cam/1/main"


def test_digest_without_qop() -> None:
    auth = Authenticator()
    challenge = parse_challenge(auth.challenge(CREDS))
    assert challenge["scheme"] == "Digest" and challenge["algorithm"] == "MD5"
    good = digest(("admin", "S3cr3t!"), challenge, "DESCRIBE", URI)
    assert auth.check(CREDS, "DESCRIBE", good) is True
    assert auth.check(CREDS, "SETUP", good) is False  # the method is part of the hash
    assert (
        auth.check(CREDS, "DESCRIBE", digest(("admin", "wrong"), challenge, "DESCRIBE", URI))
        is False
    )
    assert (
        auth.check(CREDS, "DESCRIBE", digest(("root", "S3cr3t!"), challenge, "DESCRIBE", URI))
        is False
    )
    assert auth.check(CREDS, "DESCRIBE", None) is False


def test_digest_with_qop_auth() -> None:
    auth = Authenticator()
    nonce = parse_challenge(auth.challenge(CREDS))["nonce"]

    def md5(s: str) -> str:
        return hashlib.md5(s.encode()).hexdigest()

    ha1, ha2 = md5("admin:camsim:S3cr3t!"), md5(f"PLAY:{URI}")
    response = md5(f"{ha1}:{nonce}:00000001:abc:auth:{ha2}")
    header = (
        f'Digest username="admin", realm="camsim", nonce="{nonce}", uri="{URI}", '
        f'qop=auth, nc=00000001, cnonce="abc", response="{response}"'
    )
    assert auth.check(CREDS, "PLAY", header) is True


def test_foreign_or_expired_nonces(monkeypatch: pytest.MonkeyPatch) -> None:
    auth = Authenticator()
    other = parse_challenge(Authenticator().challenge(CREDS))
    foreign = digest(("admin", "S3cr3t!"), other, "DESCRIBE", URI)
    assert auth.check(CREDS, "DESCRIBE", foreign) is False
    ours = digest(("admin", "S3cr3t!"), parse_challenge(auth.challenge(CREDS)), "DESCRIBE", URI)
    later = time.time() + NONCE_TTL_S + 5
    monkeypatch.setattr(rtsp_auth.time, "time", lambda: later)
    assert auth.check(CREDS, "DESCRIBE", ours) is None  # stale: the client retries
    assert "stale=true" in auth.challenge(CREDS, stale=True)


def test_basic() -> None:
    auth = Authenticator()
    creds = Credentials("admin", "S3cr3t!", "basic")
    assert auth.challenge(creds) == 'Basic realm="camsim"'
    token = base64.b64encode(b"admin:S3cr3t!").decode()
    assert auth.check(creds, "DESCRIBE", f"Basic {token}") is True
    bad = base64.b64encode(b"admin:nope").decode()
    assert auth.check(creds, "DESCRIBE", f"Basic {bad}") is False
    assert auth.check(creds, "DESCRIBE", "Basic !!!") is False


def test_field_parser_keeps_quoted_commas() -> None:
    fields = parse_auth_fields('username="a,b", nc=00000001, uri="rtsp://h/x?y=1,2"')
    assert fields == {"username": "a,b", "nc": "00000001", "uri": "rtsp://h/x?y=1,2"}
