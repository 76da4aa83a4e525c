"""`vms demo`: the whole system on one machine with simulated cameras.

Starts `vms camsim` in a child process, registers the sample Phuket inventory (cameras pointed
at the simulator), creates a command center (given the provincial grant explicitly and audited,
as an install does with `vms grants provincial`), a governor's office and demo accounts whose
passwords are generated now and printed to this console only, then serves the wall. The demo
database (var/demo.db by default) is recreated on every run.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from vms.auth.roles import Role
from vms.auth.users import UserSpec, create_user
from vms.cli.common import settings_from_args
from vms.cli.demo_outages import DemoOutages
from vms.cli.grants import give_provincial
from vms.config import Settings
from vms.credentials.keys import ENV_VAR, create_key_file, load_keys
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.db.models.identity import Grant
from vms.db.models.registry import Agency, Camera
from vms.db.models.walls import Wall
from vms.errors import ConfigError, VmsError
from vms.registry.importer import import_cameras
from vms.registry.url_policy import url_policy

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "cameras-sample.csv"
DEMO_CONFIG = REPO / "configs" / "demo.toml"
SAMPLE_SIM = "rtsp://127.0.0.1:8554/"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    agency_code: str
    display_name: str


DEMO_USERS = (
    DemoUser("admin", Role.SYSTEM_ADMIN, "PKT-CCOC", "System administrator"),
    DemoUser("ccoc.supervisor", Role.SUPERVISOR, "PKT-CCOC", "หัวหน้าเวร ศูนย์สั่งการ"),
    DemoUser("ccoc.operator", Role.OPERATOR, "PKT-CCOC", "เจ้าหน้าที่ศูนย์สั่งการ"),
    DemoUser("governor", Role.GOVERNOR, "PKT-GOV", "สำนักงานผู้ว่าราชการจังหวัด"),
    DemoUser("patong.desk1", Role.DESK_OFFICER, "PKT-POL-PATONG", "ร.ต.ท. ป่าตอง 1"),
    DemoUser("patong.desk2", Role.DESK_OFFICER, "PKT-POL-PATONG", "ร.ต.ท. ป่าตอง 2"),
    DemoUser("chalong.desk1", Role.DESK_OFFICER, "PKT-POL-CHALONG", "ร.ต.ท. ฉลอง 1"),
    DemoUser("city.admin", Role.AGENCY_ADMIN, "PKT-MUNI-CITY", "ผู้ดูแลกล้อง เทศบาลนครภูเก็ต"),
    # approves data-use requests for the Patong police station's cameras (docs/evidence.md)
    DemoUser("patong.admin", Role.AGENCY_ADMIN, "PKT-POL-PATONG", "ผู้ดูแลกล้อง สภ.ป่าตอง"),
    # imports the Patong municipality's own camera sheet (docs/registry.md)
    DemoUser("patongmuni.admin", Role.AGENCY_ADMIN, "PKT-MUNI-PATONG", "ผู้ดูแลกล้อง เทศบาลเมืองป่าตอง"),
)
# The sheet an agency administrator uploads in the demo (made by samples/make_agency_sheets.py)
AGENCY_SHEET = REPO / "samples" / "agency-sheets" / "patong-municipality.xlsx"
# An agency sharing with a police station, so a desk officer sees more than their own.
DEMO_GRANTS = (
    ("PKT-MUNI-PATONG", "PKT-POL-PATONG", "demo: Patong municipality shares its cameras live"),
)
PROVINCIAL_CENTER = "PKT-CCOC"
# Registered displays the command center can push to: (name, owning agency, push group).
DEMO_WALLS = (
    ("CCOC main wall", "PKT-CCOC", "ccoc"),
    ("Patong desk", "PKT-POL-PATONG", "patong"),
)
# PTZ cameras (ONVIF on the simulator): a police station's, steerable by its desk officers,
# and two of Patong municipality's (one a cheap head: no relative moves, presets or home).
PTZ_CAMERAS = ("PKT-POL-PT-001", "PKT-PTG-002", "PKT-PTG-003")
LIMITED_PTZ = ("PKT-PTG-003",)
EXTRA_AGENCIES = (
    ("PKT-CCOC", "command_center", "ศูนย์สั่งการ CCTV จังหวัดภูเก็ต", "Phuket CCTV Command Center"),
    ("PKT-GOV", "governor_office", "สำนักงานผู้ว่าราชการจังหวัดภูเก็ต", "Phuket Governor's Office"),
)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="run the server with simulated cameras and demo accounts (SQLite, no Redis)",
        description=(
            "Start simulated cameras, register the sample Phuket inventory, create demo "
            "accounts (passwords printed here only) and serve the wall. Ctrl-C stops it all."
        ),
    )
    p.add_argument(
        "-c",
        "--config",
        type=Path,
        default=DEMO_CONFIG if DEMO_CONFIG.is_file() else None,
        help="TOML config (default: configs/demo.toml)",
    )
    p.add_argument("--port", type=int, help="override server.port (default 8080)")
    p.add_argument("--camsim-port", type=int, default=8554, help="RTSP port of the simulator")
    p.add_argument(
        "--onvif-port",
        type=int,
        default=9554,
        help="simulated camera N's ONVIF service listens at this port + N - 1",
    )
    p.add_argument("--main-size", default="1280x720", help="simulated main stream size")
    p.add_argument("--sub-size", default="640x360", help="simulated sub stream size")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from vms.cli import serve

    settings = settings_from_args(args)
    if args.port:
        settings.server.port = args.port
    if not SAMPLE.is_file():
        raise ConfigError(f"sample inventory {SAMPLE} is missing (run from the repository)")
    ensure_key(settings)
    cameras, wall, ptz = prepare_database(settings, args.camsim_port, args.onvif_port)
    sim, control_url = start_simulator(cameras, args, ptz)
    outages = DemoOutages(control_url) if control_url else None
    try:
        passwords = create_accounts(settings)
        walls = create_walls(settings)
        print_banner(settings, cameras, wall, passwords, walls)
        if outages is not None:
            outages.start()
        serve.serve(settings)
    finally:
        if outages is not None:
            outages.stop()
        stop_simulator(sim)
    return 0


def ensure_key(settings: Settings) -> None:
    """The demo's credential key: the key file (mode 0600) is made on the first run."""
    path = settings.credentials.key_file
    if not os.environ.get(ENV_VAR, "").strip() and not path.exists():
        ring = create_key_file(path)
        print(f"created the credential key file {path} (mode 600, key {ring.primary})")


def prepare_database(
    settings: Settings, sim_port: int, onvif_port: int
) -> tuple[int, list[int], dict[int, bool]]:
    """A fresh demo database with the sample inventory: the number of cameras, the ids of
    the first 16 active ones (the wall the banner's URL opens), and the simulator numbers of
    the PTZ cameras (True: a limited head), whose onvif_url is set."""
    db_path = settings.database.url.removeprefix("sqlite:///")
    if settings.database.url.startswith("sqlite:///") and db_path != ":memory:":
        for suffix in ("", "-wal", "-shm"):
            Path(db_path + suffix).unlink(missing_ok=True)
        # the recordings of a previous run are not in the new index: start empty too
        shutil.rmtree(settings.recording.directory, ignore_errors=True)
    keys = load_keys(settings.credentials.key_file)
    db = Database(settings.database.url, keys)
    try:
        upgrade(db.engine, keys=keys)
        with db.session() as session:
            for code, kind, th, en in EXTRA_AGENCIES:
                session.add(Agency(code=code, kind=kind, name_th=th, name_en=en))
            session.flush()
            report, _ids = import_cameras(
                session,
                SAMPLE.read_bytes(),
                SAMPLE.name,
                url_policy=url_policy(settings),
                dry_run=False,
            )
            if report.errors:
                raise VmsError(f"sample inventory did not import: {report.errors[0]}")
            sim_base = f"rtsp://127.0.0.1:{sim_port}/"
            count = 0
            wall: list[int] = []
            ptz: dict[int, bool] = {}
            for camera in session.scalars(select(Camera).order_by(Camera.id)):
                if camera.code in PTZ_CAMERAS:
                    number = int(camera.main_url.split("/cam/")[1].split("/")[0])
                    ptz[number] = camera.code in LIMITED_PTZ
                    port = onvif_port + number - 1
                    camera.onvif_url = f"http://127.0.0.1:{port}/onvif/device_service"
                count += 1
                if camera.state == "active" and len(wall) < 16:
                    wall.append(camera.id)
                if sim_base != SAMPLE_SIM:
                    for field in ("main_url", "sub_url"):
                        url = getattr(camera, field)
                        if url:
                            setattr(camera, field, url.replace(SAMPLE_SIM, sim_base))
        return count, wall, ptz
    finally:
        db.dispose()


def create_accounts(settings: Settings) -> dict[str, str]:
    db = Database(settings.database.url)
    passwords: dict[str, str] = {}
    try:
        with db.session() as session:
            agencies = {a.code: a.id for a in session.scalars(select(Agency))}
            for owner, grantee, note in DEMO_GRANTS:
                session.add(
                    Grant(
                        owner_agency_id=agencies[owner],
                        grantee_agency_id=agencies[grantee],
                        level="live",
                        note=note,
                    )
                )
            for user in DEMO_USERS:
                password = secrets.token_urlsafe(12)
                spec = UserSpec(
                    user.username,
                    password,
                    agencies[user.agency_code],
                    user.role,
                    user.display_name,
                )
                create_user(session, spec, None)
                passwords[user.username] = password
        # the command center sees every camera through an explicit, audited provincial grant
        give_provincial(db, PROVINCIAL_CENTER, by="vms demo")
    finally:
        db.dispose()
    return passwords


def start_simulator(
    cameras: int, args: argparse.Namespace, ptz: dict[int, bool]
) -> tuple[subprocess.Popen[str], str | None]:
    """The simulator child process and its fault control URL, once it is ready."""
    print(f"demo: starting {cameras} simulated cameras (the first run encodes their loops)")
    cmd = [
        sys.executable,
        "-m",
        "vms.cli",
        "camsim",
        "--cameras",
        str(cameras),
        "--port",
        str(args.camsim_port),
        "--size",
        args.main_size,
        "--sub-size",
        args.sub_size,
        "--fps",
        "15",
        "--gop",
        "1",
        "--onvif-port",
        str(args.onvif_port),
        "--ptz",
        ",".join(map(str, sorted(ptz))),
        "--limited-ptz",
        ",".join(str(n) for n, limited in sorted(ptz.items()) if limited),
        "--control-port",
        "0",  # the fault control the scripted outages use (vms/cli/demo_outages.py)
    ]
    proc = subprocess.Popen(  # noqa: S603 (our own CLI)
        cmd, stdout=subprocess.PIPE, text=True, preexec_fn=_die_with_parent
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise VmsError(
                f"camera simulator exited (code {proc.wait()}); are port "
                f"{args.camsim_port} and {args.onvif_port}+ (ONVIF, one per camera) free? "
                "Try --camsim-port / --onvif-port"
            )
        if line.startswith("READY"):
            return proc, _control_url(line)
    proc.kill()
    raise VmsError("camera simulator did not start within 10 minutes")


def _control_url(ready_line: str) -> str | None:
    """The simulator's fault control URL from its READY line (None when it has none)."""
    for word in ready_line.split():
        if word.startswith("control="):
            return word.removeprefix("control=")
    return None


def _die_with_parent() -> None:
    """In the simulator child: SIGTERM when the demo process dies, however it dies. uvicorn
    re-raises the SIGTERM it stopped on, which ends the demo before its `finally` can stop the
    simulator; without this the simulator stayed behind, holding its port."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1


def stop_simulator(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def create_walls(settings: Settings) -> dict[str, int]:
    """The demo's registered walls, by name -> id."""
    db = Database(settings.database.url)
    try:
        with db.session() as session:
            agencies = {a.code: a.id for a in session.scalars(select(Agency))}
            walls = [
                Wall(name=name, agency_id=agencies[code], group=group)
                for name, code, group in DEMO_WALLS
            ]
            session.add_all(walls)
            session.flush()
            return {w.name: w.id for w in walls}
    finally:
        db.dispose()


def print_banner(
    settings: Settings,
    cameras: int,
    wall: list[int],
    passwords: dict[str, str],
    walls: dict[str, int] | None = None,
) -> None:
    base = f"http://{settings.server.host}:{settings.server.port}/"
    url = f"{base}?grid=16&cameras={','.join(map(str, wall))}"
    lines = [
        "",
        "=" * 72,
        f"  {settings.site_name}",
        f"  {cameras} simulated cameras. Open a 16-camera wall at",
        f"    {url}",
        f"  (or {base} for the last wall this browser showed)",
        f"  PTZ cameras (ONVIF, steer them on the full view): {', '.join(PTZ_CAMERAS)}",
    ]
    for name, wall_id in (walls or {}).items():
        lines.append(f"  Open as the wall {name!r}: {base}?wall={wall_id}")
    lines += [
        "  (ccoc.supervisor pushes the layout on screen to a wall with the Push button)",
        "  Demo accounts (passwords generated for this run, shown only here):",
    ]
    for user in DEMO_USERS:
        lines.append(
            f"    {user.username:<17} {passwords[user.username]:<18} "
            f"{user.role.value:<13} {user.agency_code}"
        )
    lines += [
        f"  Emergency command: sign in as governor, then open {base}emergency",
        "    choose the scope on the map or the agency list, declare (a few minutes); the walls",
        "    in scope show the banner, the governor pushes to them locked and steers any PTZ",
        "    camera (the holders are told why); at expiry everything is as before, and each",
        "    agency's receipt is GET /api/v1/emergency/<id>/report?agency_id=<N>[&format=csv]",
        f"  Data-use requests: patong.desk1 requests footage at {base}evidence, patong.admin",
        "  approves it there, patong.desk1 downloads the signed export (of a recorded",
        "  central-link camera such as PKT-POL-PT-001, a range since the demo started)",
        f"  Administration and the daily uptime report (PDF/Excel, Thai): sign in as city.admin,"
        f" then open {base}admin#reports",
        "  (simulated camera PKT-CITY-003 goes down 3 minutes in every 15: the report shows it)",
        f"  Agency administration: sign in as patongmuni.admin, open {base}admin#import and upload",
        f"    {AGENCY_SHEET.relative_to(REPO)} (map the column ผู้ดูแล, dry run, apply)",
        f"  Central-link cameras are recorded: play back up to four in sync at"
        f" {base}playback?camera=1,2",
        "    (or a wall tile's playback tool), step frame by frame; under an emergency every",
        "    camera in its scope is recorded too; patong.admin releases an approved request's",
        "    evidence lock on the evidence page",
        "  The 20 % selection (linked cameras per agency, which to add, one click to link):",
        f"    city.admin or admin at {base}admin#reports, under the uptime report",
        "=" * 72,
        "",
    ]
    print("\n".join(lines), flush=True)
