"""The camera URL policy (ingest/url_policy.py): destinations, numeric-host tricks, secrets,
and the same check at connect time. Nothing here connects anywhere but loopback."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from ingest.config import IngestConfig
from ingest.failures import UNREACHABLE
from ingest.health import StreamState
from ingest.spec import StreamSpec
from ingest.url_policy import CameraUrlPolicy, parse_networks, redact_url
from ingest.urls import InvalidCameraUrl, join_credentials
from tests.conftest import free_port
from tests.ingest.conftest import eventually
from tests.ingest.rig import FAST, KEY, Rig, start

LOOPBACK = ipaddress.ip_address("127.0.0.1")
LAB = CameraUrlPolicy(
    ("rtsp", "http", "srt"), parse_networks(["127.0.0.0/8", "10.20.0.0/16"]), ((LOOPBACK, 8080),)
)
SITE = IngestConfig().url_policy()  # the default: private ranges, no loopback


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://169.254.169.254/latest/meta-data",  # link-local metadata
        "rtsp://[fe80::1]/x",
        "rtsp://100.100.100.200/x",  # Alibaba metadata
        "rtsp://[fd00:ec2::254]/x",  # AWS IPv6 metadata
        "http://2130706433/",  # decimal 127.0.0.1
        "http://0x7f.1/",  # hex
        "http://0x7f000001/",
        "rtsp://0177.0.0.1/x",  # octal
        "rtsp://127.1/x",  # short form
        "rtsp://[::ffff:127.0.0.1]/x",  # IPv4-mapped IPv6
        "rtsp://127.0.0.1:8080/x",  # the server's own HTTP port
        "rtsp://localhost:8080/x",  # ... by name
        "rtsp://10.99.0.1/x",  # outside the declared networks
        "rtsp://0.0.0.0/x",
    ],
)
def test_destinations_outside_the_camera_networks_are_refused(url: str) -> None:
    with pytest.raises(InvalidCameraUrl):
        LAB.check(url)


def test_a_name_that_does_not_resolve_is_saved_but_never_opened() -> None:
    url = "rtsp://camera-does-not-exist.invalid/x"
    assert LAB.check(url, connecting=False) == url
    with pytest.raises(InvalidCameraUrl, match="does not resolve"):
        LAB.check(url)


def test_declared_networks_and_names_resolving_into_them_pass() -> None:
    assert LAB.check("rtsp://127.0.0.1:8554/cam") == "rtsp://127.0.0.1:8554/cam"
    assert LAB.check("rtsp://10.20.3.4/cam")
    assert LAB.check("rtsp://localhost:8554/cam")  # every address localhost resolves to is lab


def test_the_default_site_refuses_loopback_and_metadata() -> None:
    for url in ("rtsp://127.0.0.1:8554/x", "rtsp://localhost:8554/x", "rtsp://169.254.0.1/x"):
        with pytest.raises(InvalidCameraUrl):
            SITE.check(url)
    assert SITE.check("rtsp://192.168.1.64/Streaming/Channels/101")


@pytest.mark.parametrize(
    "url",
    [
        "srt://10.20.0.5:9000?passphrase=topsecret1234",
        "rtsp://10.20.0.5/live?password=hunter2",
        "http://10.20.0.5/video.mjpg?user=admin&pwd=hunter2",
        "rtsp://10.20.0.5/live?Access_Token=abc",
        "rtsp://admin:hunter2@10.20.0.5/live",
        "rtsp://admin@10.20.0.5/live",
    ],
)
def test_secrets_in_a_url_are_refused_naming_where_they_go(url: str) -> None:
    with pytest.raises(InvalidCameraUrl, match="password field") as caught:
        LAB.check(url)
    assert "hunter2" not in str(caught.value) and "topsecret" not in str(caught.value)


def test_redact_url_removes_userinfo_and_secret_values() -> None:
    assert redact_url("rtsp://a:b@10.0.0.1/x?password=p&ch=1") == (
        "rtsp://10.0.0.1/x?password=REDACTED&ch=1"
    )
    assert redact_url("srt://10.0.0.1:9000?latency=200") == "srt://10.0.0.1:9000?latency=200"


def test_srt_passphrase_comes_from_the_password_field() -> None:
    joined = join_credentials("srt://10.0.0.1:9000?latency=200", None, "top secret")
    assert joined == "srt://10.0.0.1:9000?latency=200&passphrase=top%20secret"


async def test_ingest_checks_again_at_connect_time_and_connects_nowhere(
    rig_factory: list[Rig],
) -> None:
    """A URL saved under another policy (or a name that now resolves elsewhere) is refused by
    the worker before FFmpeg opens a socket: the listener never sees a connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    config = FAST.model_copy(update={"camera_networks": ["10.0.0.0/8"]})
    try:
        rig = await start(rig_factory, StreamSpec(KEY, f"rtsp://127.0.0.1:{port}/x"), config)
        await eventually(lambda: rig.state == StreamState.ERROR, what="refused")
        assert rig.reason is not None and "camera networks" in rig.reason
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()


async def test_closed_and_silent_ports_read_the_same(rig_factory: list[Rig]) -> None:
    """No port scan through the status: a refused and a silent port give one sentence."""
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (backlog), never answers
    try:
        config = FAST.model_copy(update={"connect_timeout_s": 1.0, "stall_timeout_s": 1.0})
        closed = await start(rig_factory, StreamSpec(KEY, f"rtsp://127.0.0.1:{free_port()}/x"))
        quiet = await start(
            rig_factory, StreamSpec(KEY, f"rtsp://127.0.0.1:{silent.getsockname()[1]}/x"), config
        )
        await eventually(lambda: closed.state == StreamState.OFFLINE, what="closed offline")
        await eventually(lambda: quiet.state == StreamState.OFFLINE, what="silent offline")
        assert closed.reason == quiet.reason == UNREACHABLE
    finally:
        silent.close()
