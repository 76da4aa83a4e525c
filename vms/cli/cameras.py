"""`vms cameras import FILE [--dry-run]` and `vms cameras export FILE`: the inventory as a
spreadsheet, from the command line. Applies migrations first, like the server does."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vms.cli.common import add_config_option, settings_from_args
from vms.credentials.keys import load_keys
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.errors import InvalidInput
from vms.registry.exporter import export_cameras
from vms.registry.importer import ImportReport, import_cameras
from vms.registry.spreadsheet import MAX_FILE_BYTES
from vms.registry.url_policy import url_policy


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "cameras",
        help="import or export the camera inventory (CSV/XLSX)",
        description="Bulk-manage the camera registry from a spreadsheet.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import",
        help="upsert cameras from a CSV/XLSX by camera code (all rows or none)",
        description="Validate every row; apply only if no row has an error.",
    )
    add_config_option(imp)
    imp.add_argument("file", type=Path, help="a .csv (UTF-8) or .xlsx file")
    imp.add_argument("--dry-run", action="store_true", help="report only; change nothing")
    imp.add_argument(
        "--move-cameras",
        action="store_true",
        help="let rows give existing cameras another agency (refused otherwise)",
    )
    imp.set_defaults(handler=run_import)
    exp = actions.add_parser(
        "export",
        help="write every camera to a CSV/XLSX (format from the extension)",
        description="Export the inventory in the import format; credentials are never written.",
    )
    add_config_option(exp)
    exp.add_argument("file", type=Path, help="output .csv or .xlsx")
    exp.set_defaults(handler=run_export)


def run_import(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    path: Path = args.file
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    keys = load_keys(settings.credentials.key_file)
    db = Database(settings.database.url, keys)
    try:
        upgrade(db.engine, keys=keys)
        with db.session() as session:
            report, _written = import_cameras(
                session,
                path.read_bytes(),
                path.name,
                url_policy=url_policy(settings),
                dry_run=args.dry_run,
                move_cameras=args.move_cameras,
            )
            if not report.applied:
                session.rollback()
    finally:
        db.dispose()
    print_report(report)
    return 1 if report.errors else 0


def run_export(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    path: Path = args.file
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(f"{path}: name it .csv or .xlsx")
    db = Database(settings.database.url)
    try:
        upgrade(db.engine)
        with db.session() as session:
            data = export_cameras(session, "csv" if fmt == "csv" else "xlsx")
    finally:
        db.dispose()
    path.write_bytes(data)
    print(f"wrote {path} ({len(data)} bytes)")
    return 0


def print_report(report: ImportReport) -> None:
    """The import report for a person: counts, each change, each error."""
    mode = "dry run" if report.dry_run else ("applied" if report.applied else "NOT applied")
    print(
        f"{report.rows} rows ({report.format}): {report.created} to create, "
        f"{report.updated} to update, {report.unchanged} unchanged, "
        f"{report.failed_rows} with errors — {mode}"
    )
    if report.agencies_created:
        print("new agencies: " + ", ".join(report.agencies_created))
    if report.ignored_columns:
        print("ignored columns: " + ", ".join(report.ignored_columns))
    for change in report.changes:
        fields = ", ".join(c.field for c in change.changes)
        print(f"  row {change.row} {change.code}: {change.action} ({fields})")
    for error in report.errors:
        column = f" [{error.column}]" if error.column else ""
        print(f"  row {error.row}{column}: {error.message}", file=sys.stderr)
