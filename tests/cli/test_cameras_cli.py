"""`vms cameras import/export` and `vms db upgrade` as an operator runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from vms.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "cameras-sample.csv"


@pytest.fixture
def env_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("VMS_CONFIG", raising=False)
    monkeypatch.setenv("VMS_DATABASE__URL", db_url)
    monkeypatch.setenv("VMS_INGEST__CAMERA_NETWORKS", '["127.0.0.0/8"]')  # the sample's cameras
    return db_url


def test_import_dry_run_apply_export_round_trip(
    env_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cameras", "import", str(SAMPLE), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "24 to create" in out and "dry run" in out
    assert main(["cameras", "import", str(SAMPLE)]) == 0
    assert "applied" in capsys.readouterr().out
    exported = tmp_path / "out.xlsx"
    assert main(["cameras", "export", str(exported)]) == 0
    capsys.readouterr()
    assert main(["cameras", "import", str(exported)]) == 0
    assert "24 unchanged" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "database is at" in capsys.readouterr().out


def test_import_errors_exit_1_and_change_nothing(
    env_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name_en,agency,main_url\r\nX1,x,NOPE,rtsp://h/1\r\n", encoding="utf-8")
    assert main(["cameras", "import", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "NOT applied" in captured.out
    assert "row 2 [agency]" in captured.err
    assert main(["cameras", "export", str(tmp_path / "out.txt")]) == 1
    assert main(["cameras", "import", str(tmp_path / "missing.csv")]) == 1


@pytest.mark.parametrize(
    "url",
    ["rtsp://169.254.169.254/x", "http://2130706433/", "rtsp://127.0.0.1:8554/a?pwd=Hunter-22"],
)
def test_import_refuses_urls_outside_the_policy(
    env_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    """The CLI saves through the same URL policy as the API (ingest/url_policy.py)."""
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"code,name_en,agency,agency_kind,main_url\r\nX1,x,PKT-X,municipality,{url}\r\n",
        encoding="utf-8",
    )
    assert main(["cameras", "import", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "NOT applied" in captured.out and "main_url" in captured.err
    assert "Hunter-22" not in captured.out + captured.err
