"""The site's signing key: created once with mode 0600, the same key on every later load, and a
file holding anything else refused by name."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

from vms.errors import ConfigError
from vms.evidence.signing import (
    fingerprint,
    load_or_create_key,
    load_public_pem,
    public_pem,
    signature_valid,
)


def test_created_private_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "site.pem"
    key = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_key(path)
    assert fingerprint(again.public_key()) == fingerprint(key.public_key())
    public = load_public_pem(public_pem(key.public_key()))
    assert signature_valid(public, key.sign(b"manifest"), b"manifest")
    assert not signature_valid(public, key.sign(b"manifest"), b"manifest!")


def test_another_kind_of_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ec.pem"
    ec = generate_private_key(SECP256R1())
    path.write_bytes(
        ec.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ConfigError, match="not an Ed25519 private key"):
        load_or_create_key(path)
    with pytest.raises(ValueError, match="Ed25519"):
        load_public_pem(
            ec.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
