"""Opaque secrets handed to clients (session cookies, bearer and API tokens) and their hashes.

Only the SHA-256 of a secret is stored, so a database dump does not let anyone sign in. The
prefix tells which table to look in without revealing anything.
"""

from __future__ import annotations

import hashlib
import secrets

SESSION_PREFIX = "vmss_"
API_TOKEN_PREFIX = "vmst_"  # noqa: S105 (a public prefix, not a secret)


def new_secret(prefix: str) -> str:
    """A fresh random secret with 256 bits of entropy."""
    return prefix + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """The stored form of a secret (hex SHA-256)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
