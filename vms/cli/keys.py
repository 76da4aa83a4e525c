"""`vms keys`: the site's camera-credential keys (init, list, rotate, prune).

No key is ever printed or taken on the command line: keys are generated here and written to
the key file (mode 0600), or given in VMS_CREDENTIAL_KEYS by whoever runs the site.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from typing import Any

from vms.audit import AuditEntry, AuditTrail
from vms.cli.common import add_config_option, settings_from_args
from vms.credentials.keys import (
    ENV_VAR,
    KeyRing,
    create_key_file,
    load_keys,
    new_key,
    new_key_id,
    read_key_file,
    write_key_file,
)
from vms.credentials.rotation import reseal_all, usage
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.errors import ConfigError, Conflict


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "keys",
        help="camera-credential keys (init, list, rotate, prune)",
        description=(
            "The keys that seal camera credentials in the database: in credentials.key_file "
            f"(mode 0600) or in {ENV_VAR} (entries ID:KEY, the first seals)."
        ),
    )
    actions = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    for name, handler, text in (
        ("init", init, "create the key file with one new key (refused if it exists)"),
        ("list", list_keys, "key ids and how many credentials each seals (never the keys)"),
        (
            "rotate",
            rotate,
            "add a new primary key to the key file and re-seal every credential under it, in "
            f"one transaction (with {ENV_VAR}: re-seal under its first key)",
        ),
        ("prune", prune, "drop keys that seal nothing from the key file (never the primary)"),
    ):
        c: argparse.ArgumentParser = actions.add_parser(name, help=text, description=text + ".")
        add_config_option(c)
        c.set_defaults(handler=handler)


def _from_env() -> bool:
    return bool(os.environ.get(ENV_VAR, "").strip())


def _open(args: argparse.Namespace) -> tuple[Database, KeyRing]:
    settings = settings_from_args(args)
    keys = load_keys(settings.credentials.key_file)
    db = Database(settings.database.url, keys)
    upgrade(db.engine, keys=keys)
    return db, keys


def init(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    ring = create_key_file(settings.credentials.key_file)
    print(f"created {settings.credentials.key_file} (mode 600) with key {ring.primary}")
    if _from_env():
        print(f"note: {ENV_VAR} is set and wins over the file")
    return 0


def list_keys(args: argparse.Namespace) -> int:
    db, keys = _open(args)
    try:
        counts = usage(db)
    finally:
        db.dispose()
    print(f"keys from {keys.source}:")
    for n, kid in enumerate(keys.ids):
        role = "primary" if n == 0 else "old"
        print(f"  {kid}  {role:7}  seals {counts.pop(kid, 0)} credential(s)")
    for kid, count in counts.items():
        print(f"  {kid}  MISSING  seals {count} credential(s): not in the configured keys")
    return 0


def rotate(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    path = settings.credentials.key_file
    if not _from_env():
        ring = read_key_file(path)
        added = new_key_id()
        write_key_file(path, replace(ring, keys=((added, new_key()), *ring.keys)))
        print(f"{path}: new primary key {added}; the old keys stay until `vms keys prune`")
    db, keys = _open(args)
    try:
        count = reseal_all(db)
        AuditTrail(db).append(
            AuditEntry(
                "credentials.rotate",
                username="console",
                detail={"key_id": keys.primary, "resealed": count},
            )
        )
    finally:
        db.dispose()
    print(f"re-sealed {count} camera credential(s) under key {keys.primary}")
    return 0


def prune(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if _from_env():
        raise ConfigError(f"keys come from {ENV_VAR}: remove old entries there")
    db, keys = _open(args)
    try:
        counts = usage(db)
    finally:
        db.dispose()
    missing = set(counts) - set(keys.ids)
    if missing:
        raise Conflict(f"credentials are sealed with keys not in the file: {sorted(missing)}")
    kept = tuple((kid, key) for n, (kid, key) in enumerate(keys.keys) if n == 0 or counts.get(kid))
    dropped = [kid for kid in keys.ids if kid not in {k for k, _ in kept}]
    if dropped:
        write_key_file(settings.credentials.key_file, replace(keys, keys=kept))
    print(f"dropped {len(dropped)} key(s): {', '.join(dropped) or '-'}")
    return 0
