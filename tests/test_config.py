"""load_settings: file plus environment, errors naming the key, and the shipped configs load."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from vms.config import Settings, load_settings
from vms.errors import ConfigError

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vms.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_then_environment_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(
        tmp_path,
        '[server]\nport = 9000\n[database]\nurl = "sqlite:///x.db"\n'
        "[ingest]\nstall_timeout_s = 7\n",
    )
    settings = load_settings(path)
    assert settings.server.port == 9000
    assert settings.ingest.stall_timeout_s == 7
    monkeypatch.setenv("VMS_SERVER__PORT", "9100")
    monkeypatch.setenv("VMS_DATABASE__URL", "postgresql+psycopg://u@h/db")
    settings = load_settings(path)
    assert settings.server.port == 9100
    assert settings.database.url == "postgresql+psycopg://u@h/db"
    assert settings.ingest.stall_timeout_s == 7  # the rest of the file still applies


def test_wrong_value_names_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_write(tmp_path, "[server]\nport = 70000\n"))
    assert "server.port" in err.value.message
    assert "VMS_SERVER__PORT" in err.value.message
    monkeypatch.setenv("VMS_INGEST__RTSP_TRANSPORT", "carrier-pigeon")
    with pytest.raises(ConfigError) as err:
        load_settings(None)
    assert "ingest.rtsp_transport" in err.value.message


def test_unknown_key_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_write(tmp_path, "[server]\nprot = 8080\n"))
    assert "server.prot" in err.value.message
    with pytest.raises(ConfigError) as err:
        load_settings(_write(tmp_path, "[sever]\nport = 8080\n"))
    assert "sever" in err.value.message


def test_missing_or_malformed_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "nope.toml")
    with pytest.raises(ConfigError):
        load_settings(_write(tmp_path, "[server\nport = 1\n"))


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= _keys(annotation, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def _flatten(table: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, value in table.items():
        if isinstance(value, dict):
            keys |= _flatten(value, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def test_example_config_loads_and_lists_every_key() -> None:
    example = CONFIGS / "vms.example.toml"
    settings = load_settings(example)
    assert settings.model_dump() == Settings().model_dump()  # the example shows the defaults
    written = _flatten(tomllib.loads(example.read_text(encoding="utf-8")))
    missing = _keys(Settings) - written
    assert not missing, f"configs/vms.example.toml does not describe: {sorted(missing)}"


def test_demo_config_loads() -> None:
    settings = load_settings(CONFIGS / "demo.toml")
    assert settings.database.url.startswith("sqlite:///")
    assert settings.auth.cookie_secure is False
