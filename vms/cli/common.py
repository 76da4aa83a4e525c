"""Options every server-side command shares: which config file to read."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from vms.config import Settings, load_settings


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=Path(os.environ["VMS_CONFIG"]) if os.environ.get("VMS_CONFIG") else None,
        help="TOML config file (default: $VMS_CONFIG, else built-in defaults + VMS_* variables)",
    )


def settings_from_args(args: argparse.Namespace) -> Settings:
    config: Path | None = args.config
    return load_settings(config)
