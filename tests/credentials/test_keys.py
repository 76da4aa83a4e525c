"""The key ring: sealing, opening, the key file and the environment, and what a wrong or
missing key says (never the key)."""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import replace
from pathlib import Path

import pytest

from vms.credentials.keys import (
    ENV_VAR,
    CredentialKeyError,
    create_key_file,
    load_keys,
    new_key,
    parse_keys,
    read_key_file,
    write_key_file,
)
from vms.errors import ConfigError


def _entry(kid: str) -> str:
    return f"{kid}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


def test_seal_open_and_no_plaintext() -> None:
    ring = parse_keys(_entry("a"), "test")
    key_id, sealed = ring.seal("admin", "S3cr3t-ขอ")
    assert key_id == "a" and "S3cr3t" not in sealed and "admin" not in sealed
    assert ring.open(key_id, sealed) == ("admin", "S3cr3t-ขอ")
    assert ring.seal("admin", "S3cr3t-ขอ")[1] != sealed  # a fresh nonce every time


def test_several_keys_first_seals_every_one_opens() -> None:
    old = parse_keys(_entry("old"), "test")
    key_id, sealed = old.seal("u", "p")
    both = parse_keys(
        _entry("new")
        + "\n# comment\n"
        + _entry("old").split(":")[0]
        + ":"
        + base64.urlsafe_b64encode(old.keys[0][1]).decode(),
        "test",
    )
    assert both.primary == "new" and both.open(key_id, sealed) == ("u", "p")
    assert both.seal("u", "p")[0] == "new"


def test_wrong_or_missing_key_is_a_clear_error() -> None:
    ring = parse_keys(_entry("a"), "test")
    key_id, sealed = ring.seal("u", "p")
    other = parse_keys(_entry("a"), "test")  # same id, another key
    with pytest.raises(CredentialKeyError, match="not the one it was sealed with"):
        other.open(key_id, sealed)
    with pytest.raises(CredentialKeyError, match=r"key 'gone'.*not among"):
        ring.open("gone", sealed)
    with pytest.raises(CredentialKeyError):  # a value moved to another key id does not open
        parse_keys(_entry("b") + "," + _entry("a"), "t").open("b", sealed)
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(CredentialKeyError):
        ring.open(key_id, tampered)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no key"),
        ("nokey", "entry 1 is not ID:KEY"),
        ("a:short", "not 32 bytes"),
        ("bad id!:" + "A" * 43 + "=", "entry 1 is not ID:KEY"),
    ],
)
def test_bad_key_text_names_the_problem_not_the_key(text: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as err:
        parse_keys(text, "test")
    assert "short" not in err.value.message


def test_duplicate_ids_refused() -> None:
    with pytest.raises(ConfigError, match="listed twice"):
        parse_keys(_entry("a") + "," + _entry("a"), "test")


def test_key_file_is_0600_and_refused_when_open_to_others(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "credential.keys"
    ring = create_key_file(path)
    assert (path.stat().st_mode & 0o777) == 0o600
    assert read_key_file(path).keys == ring.keys
    with pytest.raises(ConfigError, match="exists already"):
        create_key_file(path)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=r"readable by others.*chmod 600"):
        read_key_file(path)


def test_missing_key_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="vms keys init") as err:
        load_keys(tmp_path / "none.keys", environ={})
    assert ENV_VAR in err.value.message


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "k"
    create_key_file(path)
    ring = load_keys(path, environ={ENV_VAR: _entry("envkey")})
    assert ring.ids == ["envkey"] and ring.path is None


def test_a_ring_follows_its_file_after_a_rotation(tmp_path: Path) -> None:
    """A running server's ring opens what another process re-sealed under a new key."""
    path = tmp_path / "k"
    running = create_key_file(path)
    rotated = replace(running, keys=(("k2", new_key()), *running.keys))
    write_key_file(path, rotated)
    os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
    key_id, sealed = read_key_file(path).seal("u", "p")
    assert key_id == "k2"
    assert running.open(key_id, sealed) == ("u", "p")
    assert running.primary == "k2"


def test_repr_shows_ids_only() -> None:
    ring = parse_keys(_entry("a"), "test")
    raw = base64.urlsafe_b64encode(ring.keys[0][1]).decode()
    assert raw not in repr(ring) and "a" in repr(ring)
