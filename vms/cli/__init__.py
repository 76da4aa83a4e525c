"""The `vms` command. Each subcommand lives in its own module with a `register(subparsers)`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from vms.cli import audit, cameras, camsim, db, demo, evidence, grants, keys, serve, users
from vms.errors import ConfigError, VmsError

COMMANDS = [serve, demo, camsim, cameras, users, grants, audit, db, evidence, keys]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vms",
        description=(
            "Command-center video management server: registers every agency's cameras, "
            "pulls their feeds and serves them to browser video walls."
        ),
        epilog="Run `vms COMMAND --help` for the options of one command.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        print(f"vms: {exc.message}", file=sys.stderr)
        return 2
    except VmsError as exc:
        print(f"vms: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
