"""`vms keys` as real processes with a key file: init makes it 0600, rotate re-seals every
credential under a new primary key (old keys stay until prune), and no key or password is
ever printed. A server without any key does not start, and says how to make one."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from ingest.config import IngestConfig
from vms.camera_sync import build_specs
from vms.cli.demo import ensure_key
from vms.config import load_settings
from vms.credentials.keys import read_key_file
from vms.db.engine import Database
from vms.db.migrate import upgrade
from vms.errors import ConfigError
from vms.registry.agencies import create_agency
from vms.registry.cameras import create_camera
from vms.registry.schemas import AgencyCreate, CameraCreate
from vms.services import Services

VMS = str(Path(sys.executable).with_name("vms"))
POLICY = IngestConfig(allowed_schemes=["rtsp"], camera_networks=["127.0.0.0/8"]).url_policy()
PASSWORD = "camera-password-never-printed"


def _env(db_url: str, key_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "VMS_CREDENTIAL_KEYS"}
    return env | {"VMS_DATABASE__URL": db_url, "VMS_CREDENTIALS__KEY_FILE": str(key_file)}


def _vms(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VMS, "keys", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _materials(key_file: Path) -> list[str]:
    return [base64.urlsafe_b64encode(key).decode() for _, key in read_key_file(key_file).keys]


def test_init_rotate_list_prune(db_url: str, tmp_path: Path) -> None:
    key_file = tmp_path / "site" / "credential.keys"
    env = _env(db_url, key_file)
    made = _vms(env, "init")
    assert made.returncode == 0, made.stderr
    assert (key_file.stat().st_mode & 0o777) == 0o600
    assert _vms(env, "init").returncode == 2  # never overwrites a key file
    first = read_key_file(key_file)
    first_id, first_material = first.primary, _materials(key_file)
    db = Database(db_url, first)
    try:
        upgrade(db.engine, keys=first)
        with db.session() as session:
            agency = create_agency(
                session, AgencyCreate(code="AG", kind="municipality", name_en="Ag")
            )
            for n in (1, 2, 3):
                create_camera(
                    session,
                    CameraCreate(
                        code=f"CAM-{n}",
                        agency_id=agency.id,
                        name_en=f"Cam {n}",
                        main_url=f"rtsp://127.0.0.1:8554/cam/{n}/main",
                        username="admin",
                        password=PASSWORD,
                    ),
                    POLICY,
                )
        rotated = _vms(env, "rotate")
        assert rotated.returncode == 0, rotated.stderr
        ring = read_key_file(key_file)
        assert ring.ids[1:] == [first_id] and ring.primary != first_id
        assert f"re-sealed 3 camera credential(s) under key {ring.primary}" in rotated.stdout
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT key_id, sealed FROM camera_credentials")).all()
        assert {r[0] for r in rows} == {ring.primary}
        assert all(PASSWORD not in r[1] for r in rows)
        # the running server's ring (read before the rotation) follows the file
        assert {(s.username, s.password) for s in build_specs(db)} == {("admin", PASSWORD)}
        listed = _vms(env, "list")
        assert listed.returncode == 0, listed.stderr
        assert f"{ring.primary}  primary  seals 3" in listed.stdout
        assert f"{first_id}  old      seals 0" in listed.stdout
        pruned = _vms(env, "prune")
        assert pruned.returncode == 0 and first_id in pruned.stdout, pruned.stderr
        assert read_key_file(key_file).ids == [ring.primary]
        assert len(build_specs(db)) == 3
        outputs = made.stdout + made.stderr + rotated.stdout + rotated.stderr + listed.stdout
        outputs += pruned.stdout + pruned.stderr
        for secret in [*_materials(key_file), *first_material, PASSWORD]:
            assert secret not in outputs
    finally:
        db.dispose()


def test_a_server_without_a_key_does_not_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VMS_CREDENTIAL_KEYS")
    settings = load_settings(
        None,
        database={"url": f"sqlite:///{tmp_path / 'vms.db'}"},
        credentials={"key_file": str(tmp_path / "missing.keys")},
    )
    with pytest.raises(ConfigError, match=r"no credential key.*missing\.keys.*vms keys init"):
        Services(settings)
    served = subprocess.run(
        [VMS, "serve"],
        env=_env(f"sqlite:///{tmp_path / 'vms.db'}", tmp_path / "missing.keys"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert served.returncode == 2 and "vms keys init" in served.stderr


def test_the_demo_makes_its_key_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VMS_CREDENTIAL_KEYS")
    key_file = tmp_path / "var" / "credential.keys"
    settings = load_settings(None, credentials={"key_file": str(key_file)})
    ensure_key(settings)
    assert (key_file.stat().st_mode & 0o777) == 0o600
    first = read_key_file(key_file).keys
    ensure_key(settings)  # a second run keeps it (the credentials it sealed stay readable)
    assert read_key_file(key_file).keys == first
    out = capsys.readouterr().out
    assert out.count("created the credential key file") == 1
    assert base64.urlsafe_b64encode(first[0][1]).decode() not in out
