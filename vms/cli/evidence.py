"""`vms evidence verify FILE [--public-key PEM]`: check an export's signature and every hash;
exit 0 if it verifies, 1 naming what failed, 2 if the file or key cannot be read."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vms.evidence.verify import VerifyFailed, verify_export


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "evidence", help="evidence export tools", description="Evidence export tools."
    )
    actions = p.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)
    v: argparse.ArgumentParser = actions.add_parser(
        "verify",
        help="verify an export zip's signature and hashes; exit 1 naming what failed",
        description=(
            "Check the manifest's Ed25519 signature, the SHA-256 and size of every file, and "
            "that the zip holds nothing else and was not altered. Give --public-key (the "
            "site's key, GET /api/v1/evidence/public-key) to check who signed it; without it "
            "the key packed in the export is used, which proves integrity but not origin."
        ),
    )
    v.add_argument("file", type=Path, help="the export zip")
    v.add_argument("--public-key", type=Path, help="the site's public key (PEM file)")
    v.set_defaults(handler=verify)


def verify(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        print(f"vms: {path}: no such file", file=sys.stderr)
        return 2
    pem = None
    if args.public_key is not None:
        try:
            pem = Path(args.public_key).read_bytes()
        except OSError as exc:
            print(f"vms: cannot read the public key: {exc.strerror}", file=sys.stderr)
            return 2
    try:
        result = verify_export(path, pem)
    except VerifyFailed as exc:
        print(f"{path}: NOT VERIFIED: {exc}")
        return 1
    request = result.manifest.get("request", {})
    print(
        f"{path}: verified: {len(result.files)} file(s), request {request.get('id')} "
        f"(case {request.get('case_number')}), site {result.manifest.get('site')!r}, "
        f"signed by key {result.key_fingerprint[:16]}"
    )
    if not result.key_given:
        print("note: checked against the key inside the export; pass --public-key to check origin")
    return 0
