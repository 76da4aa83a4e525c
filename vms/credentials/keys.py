"""The site's credential keys: AES-256-GCM keys, each with an id, that seal camera credentials.

Where they live: a key file (`credentials.key_file`, mode 0600) or the environment variable
`VMS_CREDENTIAL_KEYS` (it wins when set), never the database. Both hold entries `ID:KEY`
(KEY is 32 bytes in URL-safe base64), one a line or separated by commas; `#` starts a comment.
The first entry is the primary key: it seals everything written. Every entry opens what it
sealed, so several keys are active while a rotation is under way (`vms keys rotate`).

A sealed value is `base64url(nonce || ciphertext+tag)` with the key id beside it in its row;
the key id is the associated data, so a value moved to another key id does not open.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import stat
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vms.errors import ConfigError, VmsError

ENV_VAR = "VMS_CREDENTIAL_KEYS"
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_NONCE = 12


class CredentialKeyError(VmsError):
    """A sealed credential cannot be opened: its key is not configured, or it is another key."""

    status_code = 500
    code = "credential_key_error"


@dataclass
class KeyRing:
    """The configured keys in order; `primary` seals, any opens what it sealed.

    Read from a key file (`path` set), the ring follows the file: when the file changes (a
    rotation by `vms keys rotate` in another process), the next seal or open reads it again,
    so a running server seals under the new key and opens what was re-sealed under it."""

    keys: tuple[tuple[str, bytes], ...]
    source: str  # "file PATH" or "environment VMS_CREDENTIAL_KEYS": for messages, no secret
    path: Path | None = None
    stamp: int | None = None  # the file's mtime (ns) when read

    def __post_init__(self) -> None:
        if not self.keys:
            raise ConfigError(f"credential keys ({self.source}): no key")
        ids = [kid for kid, _ in self.keys]
        if len(set(ids)) != len(ids):
            raise ConfigError(f"credential keys ({self.source}): a key id is listed twice")

    def refresh(self) -> None:
        """Read the key file again if it changed since it was read (no-op for the environment)."""
        if self.path is None:
            return
        try:
            stamp = self.path.stat().st_mtime_ns
        except OSError:
            return  # keep the keys we have; the file is being replaced
        if stamp != self.stamp:
            fresh = read_key_file(self.path)
            self.keys, self.stamp = fresh.keys, fresh.stamp

    def __repr__(self) -> str:  # never the key material
        return f"KeyRing(ids={self.ids}, source={self.source!r})"

    @property
    def primary(self) -> str:
        return self.keys[0][0]

    @property
    def ids(self) -> list[str]:
        return [kid for kid, _ in self.keys]

    def _key(self, key_id: str) -> bytes:
        self.refresh()
        for kid, key in self.keys:
            if kid == key_id:
                return key
        raise CredentialKeyError(
            f"a camera credential is sealed with key '{key_id}', which is not among the "
            f"configured credential keys ({self.source}: {', '.join(self.ids)})"
        )

    def seal(self, username: str, password: str) -> tuple[str, str]:
        """(key id, sealed text) of a user name and password under the primary key."""
        self.refresh()
        key_id = self.primary
        nonce = secrets.token_bytes(_NONCE)
        plain = json.dumps({"u": username, "p": password}, ensure_ascii=False).encode()
        sealed = AESGCM(self._key(key_id)).encrypt(nonce, plain, key_id.encode())
        return key_id, base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, key_id: str, sealed: str) -> tuple[str, str]:
        """(user name, password) of a sealed value; CredentialKeyError when it does not open."""
        key = self._key(key_id)
        try:
            raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
            plain = AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], key_id.encode())
            data = json.loads(plain)
            return str(data["u"]), str(data["p"])
        except (InvalidTag, ValueError, KeyError, TypeError):
            raise CredentialKeyError(
                f"a camera credential does not open with key '{key_id}' ({self.source}): "
                "the key is not the one it was sealed with"
            ) from None


def new_key() -> bytes:
    return secrets.token_bytes(32)


def new_key_id() -> str:
    """A fresh id: the date and a random suffix, e.g. k20261202-3f9a."""
    return f"k{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(2)}"


def parse_keys(text: str, source: str) -> KeyRing:
    """A KeyRing from `ID:KEY` entries; ConfigError naming the entry's position, never its key."""
    keys: list[tuple[str, bytes]] = []
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    entries = [e.strip() for line in lines for e in line.split(",") if e.strip()]
    for n, entry in enumerate(entries, 1):
        kid, sep, value = entry.partition(":")
        kid = kid.strip()
        if not sep or not _ID.match(kid):
            raise ConfigError(
                f"credential keys ({source}): entry {n} is not ID:KEY (ID: letters, digits, . _ -)"
            )
        try:
            key = base64.urlsafe_b64decode(value.strip().encode("ascii"))
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ConfigError(
                f"credential keys ({source}): key '{kid}' is not 32 bytes in URL-safe base64"
            )
        keys.append((kid, key))
    return KeyRing(tuple(keys), source)


def format_keys(ring: KeyRing) -> str:
    lines = ["# camera credential keys: the first seals, every one opens (vms keys --help)"]
    lines += [f"{kid}:{base64.urlsafe_b64encode(key).decode('ascii')}" for kid, key in ring.keys]
    return "\n".join(lines) + "\n"


def read_key_file(path: Path) -> KeyRing:
    source = f"file {path}"
    try:
        info = path.stat()
        mode, mode_stamp = info.st_mode, info.st_mtime_ns
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"no credential key: {path} does not exist and {ENV_VAR} is not set; "
            "create one with `vms keys init` (or set credentials.key_file)"
        ) from None
    except OSError as exc:
        raise ConfigError(f"credential key file {path}: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"credential key file {path} is readable by others (mode {stat.S_IMODE(mode):o}); "
            f"chmod 600 {path}"
        )
    ring = parse_keys(text, source)
    ring.path, ring.stamp = path, mode_stamp
    return ring


def write_key_file(path: Path, ring: KeyRing) -> None:
    """Replace the key file at once (a new file, mode 0600, renamed over the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(format_keys(ring))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def create_key_file(path: Path) -> KeyRing:
    """A new key file with one fresh key; ConfigError if the file exists already."""
    if path.exists():
        raise ConfigError(f"credential key file {path} exists already")
    write_key_file(path, KeyRing(((new_key_id(), new_key()),), f"file {path}"))
    return read_key_file(path)


def load_keys(key_file: Path, environ: dict[str, str] | None = None) -> KeyRing:
    """The site's keys: `VMS_CREDENTIAL_KEYS` when set, else the key file. ConfigError (start-up
    stops) when neither holds a usable key."""
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR, "").strip():
        return parse_keys(env[ENV_VAR], f"environment {ENV_VAR}")
    return read_key_file(key_file)
