"""OnvifPtzDriver against the camera simulator's ONVIF service: every operation, capabilities
honoured, wrong credentials, a skewed camera clock, an unreachable service."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from camsim import SimulatorThread
from tests.conftest import free_port
from tests.fixtures_camsim import CamsimFactory
from vms.ptz.driver import (
    CameraAuthFailed,
    CameraFault,
    CameraUnreachable,
    MoveRequest,
    PtzUnsupported,
)
from vms.ptz.onvif_driver import OnvifPtzDriver

USER, PASSWORD = "admin", "s3cret-pw"


@pytest.fixture
def ptz_sim(camsim_factory: CamsimFactory) -> SimulatorThread:
    """Two PTZ cameras with credentials; camera 2 lacks relative moves, presets and home;
    their clocks run an hour ahead (the driver must sign with the camera's time)."""
    sim = camsim_factory(cameras=2, onvif=True, limited_ptz=(2,), clock_skew_s=3600.0)
    sim.require_auth(USER, PASSWORD)
    return sim


def driver(sim: SimulatorThread, camera: int = 1, password: str = PASSWORD) -> OnvifPtzDriver:
    return OnvifPtzDriver(sim.onvif_url(camera), USER, password, timeout_s=3.0)


async def test_every_operation_moves_the_simulated_head(ptz_sim: SimulatorThread) -> None:
    ptz = driver(ptz_sim)
    try:
        caps = await ptz.capabilities()
        assert (caps.continuous, caps.relative, caps.absolute, caps.presets, caps.home) == (
            True,
            True,
            True,
            True,
            True,
        )
        assert caps.max_presets == 32
        await ptz.move(MoveRequest("absolute", pan=0.5, tilt=-0.25, zoom=0.4))
        where = await ptz.position()
        assert (where.pan, where.tilt, where.zoom) == pytest.approx((0.5, -0.25, 0.4), abs=1e-3)
        await ptz.move(MoveRequest("relative", pan=-0.2, tilt=0.05, zoom=0.1))
        where = await ptz.position()
        assert (where.pan, where.tilt, where.zoom) == pytest.approx((0.3, -0.2, 0.5), abs=1e-3)
        token = await ptz.set_preset(None, "gate")
        assert [(p.token, p.name) for p in await ptz.presets()] == [(token, "gate")]
        preset = (await ptz.presets())[0]
        assert preset.position is not None and preset.position.pan == pytest.approx(0.3, abs=1e-3)
        await ptz.move(MoveRequest("continuous", pan=1.0, timeout_s=5.0))
        await asyncio.sleep(0.3)
        moving = await ptz.position()
        assert moving.moving and moving.pan > 0.35
        await ptz.stop()
        stopped = await ptz.position()
        assert not stopped.moving
        await asyncio.sleep(0.2)
        assert (await ptz.position()).pan == pytest.approx(stopped.pan, abs=1e-3)
        await ptz.goto_preset(token)
        assert (await ptz.position()).pan == pytest.approx(0.3, abs=1e-3)
        assert await ptz.set_preset(token, "gate 2") == token
        assert [p.name for p in await ptz.presets()] == ["gate 2"]
        await ptz.home()
        home = await ptz.position()
        assert (home.pan, home.tilt, home.zoom) == pytest.approx((0.0, 0.0, 0.0), abs=1e-3)
        await ptz.remove_preset(token)
        assert await ptz.presets() == []
        state = ptz_sim.ptz_state(1)
        assert state["moves"] == 6 and state["presets"] == []
    finally:
        await ptz.close()


async def test_continuous_move_stops_by_its_timeout(ptz_sim: SimulatorThread) -> None:
    ptz = driver(ptz_sim)
    try:
        await ptz.move(MoveRequest("continuous", tilt=0.5, timeout_s=0.3))
        await asyncio.sleep(0.6)
        where = await ptz.position()
        assert not where.moving
        assert where.tilt == pytest.approx(0.15, abs=0.06)
    finally:
        await ptz.close()


async def test_capabilities_read_from_the_camera_are_honoured(ptz_sim: SimulatorThread) -> None:
    ptz = driver(ptz_sim, camera=2)
    try:
        caps = await ptz.capabilities()
        assert (caps.continuous, caps.absolute) == (True, True)
        assert (caps.relative, caps.presets, caps.home) == (False, False, False)
        before = ptz_sim.ptz_state(2)["moves"]
        for call, name in (
            (ptz.move(MoveRequest("relative", pan=0.1)), "RelativeMove"),
            (ptz.presets(), "GetPresets"),
            (ptz.set_preset(None, "x"), "SetPreset"),
            (ptz.goto_preset("1"), "GotoPreset"),
            (ptz.remove_preset("1"), "RemovePreset"),
            (ptz.home(), "GotoHomePosition"),
        ):
            with pytest.raises(PtzUnsupported, match=name):
                await call
        assert ptz_sim.ptz_state(2)["moves"] == before  # refused before any request
        await ptz.move(MoveRequest("absolute", pan=-0.5))
        assert (await ptz.position()).pan == pytest.approx(-0.5, abs=1e-3)
    finally:
        await ptz.close()


async def test_camera_faults_are_camera_fault(ptz_sim: SimulatorThread) -> None:
    ptz = driver(ptz_sim)
    try:
        with pytest.raises(CameraFault, match="GotoPreset"):
            await ptz.goto_preset("no-such-preset")
        with pytest.raises(CameraFault, match="out of range"):
            await ptz.move(MoveRequest("absolute", pan=0.0, zoom=1.5))
    finally:
        await ptz.close()


async def test_wrong_credentials_are_auth_failed_without_the_password(
    ptz_sim: SimulatorThread,
) -> None:
    ptz = driver(ptz_sim, password="wrong-password-xyz")
    try:
        with pytest.raises(CameraAuthFailed) as caught:
            await ptz.capabilities()
        assert "wrong-password-xyz" not in str(caught.value)
        assert PASSWORD not in str(caught.value)
        assert caught.value.status_code == 424
    finally:
        await ptz.close()


async def test_unreachable_service_is_bounded(ptz_sim: SimulatorThread) -> None:
    closed = OnvifPtzDriver(f"http://127.0.0.1:{free_port()}/onvif/device_service", USER, PASSWORD)
    with pytest.raises(CameraUnreachable):
        await closed.capabilities()
    await closed.close()


async def test_silent_service_times_out(ptz_sim: SimulatorThread) -> None:
    """A service that accepts the connection and never answers: CameraUnreachable in time."""
    writers: list[asyncio.StreamWriter] = []

    async def swallow(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    silent = OnvifPtzDriver(f"http://127.0.0.1:{port}", USER, PASSWORD, timeout_s=0.5)
    began = time.monotonic()
    try:
        with pytest.raises(CameraUnreachable, match=r"within 0\.5 s"):
            await silent.capabilities()
        assert time.monotonic() - began < 3.0
    finally:
        await silent.close()
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_camera_without_ptz_is_unsupported(camsim_factory: CamsimFactory) -> None:
    sim = camsim_factory(cameras=2, onvif=True, ptz_cameras=(1,))
    fixed = OnvifPtzDriver(sim.onvif_url(2), None, None, timeout_s=3.0)
    try:
        with pytest.raises(PtzUnsupported, match="no ONVIF PTZ service"):
            await fixed.capabilities()
    finally:
        await fixed.close()


async def test_http_digest_where_the_camera_demands_it(camsim_factory: CamsimFactory) -> None:
    """Camera 1 demands HTTP Digest (not the UsernameToken) on its SOAP endpoints."""
    sim = camsim_factory(cameras=1, onvif=True, onvif_http_digest=(1,))
    sim.require_auth(USER, PASSWORD)
    ptz = driver(sim)
    try:
        assert (await ptz.capabilities()).presets
        await ptz.move(MoveRequest("absolute", pan=0.4))
        assert sim.ptz_state(1)["pan"] == pytest.approx(0.4)
    finally:
        await ptz.close()
    wrong = driver(sim, password="not-the-password")
    try:
        with pytest.raises(CameraAuthFailed) as caught:
            await wrong.capabilities()
        assert "not-the-password" not in str(caught.value)
    finally:
        await wrong.close()


async def test_no_token_in_the_logs_even_at_debug(
    ptz_sim: SimulatorThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ptz = driver(ptz_sim)
    try:
        await ptz.move(MoveRequest("absolute", pan=0.1))
        await ptz.position()
    finally:
        await ptz.close()
    for secret in ("PasswordDigest", "Nonce", PASSWORD, "UsernameToken"):
        assert secret not in caplog.text
