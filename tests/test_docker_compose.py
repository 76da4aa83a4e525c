"""docker-compose.yml, checked without a Docker engine: every service, dependency, port,
volume and variable refers to something that exists, and every command is one the `vms` CLI
accepts (its parser, run without running the command)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from vms.cli import build_parser
from vms.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
NODES = sorted(name for name in SERVICES if name.startswith("vms"))
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def _vms_argv(command: list[str]) -> list[str]:
    assert command[0] == "vms", command
    return command[1:]


def test_the_site_has_its_parts() -> None:
    assert {"postgres", "redis", "camsim", "migrate"} <= set(SERVICES)
    assert len(NODES) == 3


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_dependencies_name_services_and_health_checks_exist(name: str) -> None:
    service = SERVICES[name]
    assert ("build" in service) != ("image" in service)
    if "build" in service:
        assert (ROOT / service["build"] / "Dockerfile").is_file()
    for dep, how in (service.get("depends_on") or {}).items():
        assert dep in SERVICES, f"{name} depends on a missing service {dep}"
        assert how["condition"] in CONDITIONS
        if how["condition"] == "service_healthy":
            assert "healthcheck" in SERVICES[dep], f"{dep} has no health check"
    for volume in service.get("volumes", []):
        source = volume.split(":")[0]
        assert source in COMPOSE["volumes"], f"{name}: volume {source} is not declared"


def test_every_declared_volume_is_used_and_host_ports_are_unique() -> None:
    used = {v.split(":")[0] for s in SERVICES.values() for v in s.get("volumes", [])}
    assert used == set(COMPOSE["volumes"])
    host_ports = [p.split(":")[0] for s in SERVICES.values() for p in s.get("ports", [])]
    assert len(host_ports) == len(set(host_ports))


@pytest.mark.parametrize("name", ["camsim", "migrate", *NODES])
def test_each_command_is_one_the_cli_accepts(name: str) -> None:
    args = build_parser().parse_args(_vms_argv(SERVICES[name]["command"]))  # exits on a bad one
    assert callable(args.handler)


def test_the_image_default_command_is_accepted_too() -> None:
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M)
    assert cmd is not None
    assert build_parser().parse_args(_vms_argv(yaml.safe_load(cmd.group(1)))).command == "serve"


@pytest.mark.parametrize("name", NODES)
def test_each_node_is_configured_for_the_site(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    service = SERVICES[name]
    env = service["environment"]
    for key, value in env.items():
        monkeypatch.setenv(key, str(value))
    settings = load_settings(None)  # every VMS_* variable names a real setting, with a valid value
    args = build_parser().parse_args(_vms_argv(service["command"]))
    assert settings.state.backend == "redis"
    assert urlsplit(settings.state.redis_url).hostname in SERVICES
    assert urlsplit(settings.database.url).hostname in SERVICES
    pg = SERVICES["postgres"]["environment"]
    assert urlsplit(settings.database.url).username == pg["POSTGRES_USER"]
    assert urlsplit(settings.database.url).path == "/" + pg["POSTGRES_DB"]
    # its node URL is its service name and the port it listens on, published on the host
    node_url = urlsplit(settings.site.node_url)
    assert (node_url.hostname, node_url.port) == (name, args.port)
    assert settings.site.node_name == name
    published = [p.split(":") for p in service["ports"]]
    assert [int(inner) for _outer, inner in published] == [args.port]
    probe = " ".join(service["healthcheck"]["test"])
    assert f"127.0.0.1:{args.port}/readyz" in probe
    # what every node must share: keys, exports, recordings, on the one volume they all mount
    mounted = [v.split(":")[1] for v in service["volumes"]]
    shared = (settings.recording.directory, settings.evidence.export_dir,
              settings.evidence.signing_key_file, str(settings.credentials.key_file))  # fmt: skip
    for path in shared:
        assert any(path.startswith(m + "/") for m in mounted), path
    assert all(SERVICES[n]["volumes"] == service["volumes"] for n in NODES)
    camsim = build_parser().parse_args(_vms_argv(SERVICES["camsim"]["command"]))
    assert camsim.cameras > 0 and camsim.host == "0.0.0.0"


def test_names_are_unique_across_nodes() -> None:
    names = [SERVICES[n]["environment"]["VMS_SITE__NODE_NAME"] for n in NODES]
    sites = {SERVICES[n]["environment"]["VMS_SITE__NAME"] for n in NODES}
    assert len(set(names)) == len(NODES) and len(sites) == 1
