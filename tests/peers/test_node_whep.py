"""Interop: a werift (pure TypeScript WebRTC, from npm) viewer watches a simulated camera over WHEP.

Each cell starts tests/peers/node_whep/whep_client.js under Node: an independent WebRTC stack
(its own ICE, DTLS with its default ECDSA certificate, SRTP), nothing of ours, against the real
server pulling the camera simulator. The client depacketizes H.264 itself and counts complete
access units (ending on the marker bit); it DELETEs its session at the end. Its node_modules come
from `npm ci` in scripts/bootstrap.sh (package-lock.json pins werift): nothing is downloaded here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures_server import ADMIN_PASSWORD, ADMIN_USER, CameraSpec, WallSite, default_specs

CLIENT_DIR = Path(__file__).resolve().parent / "node_whep"
CLIENT = CLIENT_DIR / "whep_client.js"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="no node on PATH (Node 20 and npm)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WallSite]:
    specs: list[CameraSpec] = default_specs(1)
    site = WallSite.open(tmp_path_factory.mktemp("werift"), specs)
    try:
        yield site
    finally:
        site.close()


@pytest.fixture(scope="module")
def bearer(site: WallSite) -> str:
    r = httpx.post(
        f"{site.base_url}/api/v1/auth/token",
        data={"username": ADMIN_USER, "password": ADMIN_PASSWORD},
        timeout=30,
    )
    r.raise_for_status()
    return f"Authorization: Bearer {r.json()['access_token']}"


def play(site: WallSite, bearer: str, *args: str) -> dict[str, Any]:
    """Run the werift client against the site's first camera; its JSON result."""
    assert NODE is not None
    assert (CLIENT_DIR / "node_modules" / "werift").is_dir(), "no werift: run scripts/bootstrap.sh"
    url = f"{site.base_url}/api/v1/cameras/{site.cameras[0]['id']}/whep?stream=sub"
    proc = subprocess.run(
        [NODE, str(CLIENT), url, "--header", bearer, "--frames", "10", "--timeout", "15", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"client printed no result: {proc.stdout[-500:]} {proc.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def assert_played(result: dict[str, Any]) -> None:
    assert result["error"] is None, result
    assert result["status"] == 201
    assert result["frames"] >= 10  # complete access units, depacketized by the client
    assert result["idr_frames"] >= 1  # it started on (or met) a keyframe
    assert result["delete"] in (200, 204)  # a clean DELETE: the session was still there


# what our answer must say for each offered role: actpass gets passive (we are the DTLS server)
ANSWER_SETUP = {"actpass": "passive", "active": "passive", "passive": "active"}


@pytest.mark.parametrize("cert", ["ecdsa", "rsa"])
@pytest.mark.parametrize("setup", ["actpass", "active", "passive"])
def test_all_candidates_in_the_offer(site: WallSite, bearer: str, setup: str, cert: str) -> None:
    result = play(site, bearer, "--setup", setup, "--cert", cert)
    assert_played(result)
    assert result["answer_setup"] == ANSWER_SETUP[setup]


def test_trickle_ice_through_patch(site: WallSite, bearer: str) -> None:
    result = play(site, bearer, "--trickle")
    assert_played(result)
    assert result["patched"] >= 1  # its candidates went by PATCH, not in the offer
    assert result["end_of_candidates"]  # and a PATCH with a=end-of-candidates, answered 204


def test_offer_without_h264_is_a_clear_4xx(site: WallSite, bearer: str) -> None:
    result = play(site, bearer, "--no-h264")
    assert result["status"] == 422
    assert "no H.264" in result["error"]
    assert result["frames"] == 0
    assert result["delete"] is None  # no session was made
