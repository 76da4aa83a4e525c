"""The simulator speaks ONVIF: onvif-zeep-async used directly (not our driver) talks to it,
its security check is the real one, and a PTZ move really changes the RTSP picture."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import av
import numpy as np
import pytest
import zeep.exceptions
from onvif import ONVIFCamera

from camsim import SimulatorThread, ptz_picture
from camsim.framecode import Image
from tests.fixtures_camsim import CamsimFactory

USER, PASSWORD = "operator", "pa55word"


def client(
    sim: SimulatorThread, camera: int, password: str = PASSWORD, adjust: bool = True
) -> ONVIFCamera:
    url = urlsplit(sim.onvif_url(camera))
    return ONVIFCamera(url.hostname, url.port, USER, password, adjust_time=adjust, no_cache=True)


@pytest.fixture
def sim(camsim_factory: CamsimFactory) -> SimulatorThread:
    started = camsim_factory(cameras=2, onvif=True, limited_ptz=(2,), clock_skew_s=-900.0)
    started.require_auth(USER, PASSWORD)
    return started


async def test_plain_onvif_client_discovers_streams_and_steers(sim: SimulatorThread) -> None:
    cam = client(sim, 1)
    try:
        await cam.update_xaddrs()
        assert cam.dt_diff is not None and abs(cam.dt_diff.total_seconds() + 900) < 5
        info = await (await cam.create_devicemgmt_service()).GetDeviceInformation()
        assert info.Manufacturer == "vms-camsim"
        media = await cam.create_media_service()
        profiles = await media.GetProfiles()
        assert [p.token for p in profiles] == ["main", "sub"]
        uris = []
        for profile in profiles:
            answer = await media.GetStreamUri(
                {
                    "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
                    "ProfileToken": profile.token,
                }
            )
            uris.append(answer.Uri)
        assert uris == [sim.url(1, "main"), sim.url(1, "sub")]
        ptz = await cam.create_ptz_service()
        options = await ptz.GetConfigurationOptions({"ConfigurationToken": "ptz0"})
        assert options.Spaces.ContinuousPanTiltVelocitySpace
        await ptz.AbsoluteMove(
            {
                "ProfileToken": "main",
                "Position": {"PanTilt": {"x": -0.5, "y": 0.5}, "Zoom": {"x": 1}},
            }
        )
        status = await ptz.GetStatus({"ProfileToken": "main"})
        assert (status.Position.PanTilt.x, status.Position.PanTilt.y) == (-0.5, 0.5)
        assert status.MoveStatus.PanTilt == "IDLE"
        assert sim.ptz_state(1)["zoom"] == 1.0
    finally:
        await cam.close()


async def test_wrong_password_is_not_authorized(sim: SimulatorThread) -> None:
    cam = client(sim, 1, password="guess")
    try:
        with pytest.raises(zeep.exceptions.Fault) as caught:
            await cam.update_xaddrs()
            await (await cam.create_devicemgmt_service()).GetDeviceInformation()
        assert "NotAuthorized" in str(caught.value.subcodes) or "Authorized" in caught.value.message
    finally:
        await cam.close()


async def test_a_client_ignoring_the_camera_clock_is_refused(sim: SimulatorThread) -> None:
    """The camera runs 15 minutes behind: a token signed with the client's own clock fails."""
    cam = client(sim, 1, adjust=False)
    try:
        with pytest.raises(zeep.exceptions.Fault, match="clock"):
            await cam.update_xaddrs()
            await (await cam.create_devicemgmt_service()).GetDeviceInformation()
    finally:
        await cam.close()


async def test_a_head_without_presets_refuses_them(sim: SimulatorThread) -> None:
    cam = client(sim, 2)
    try:
        await cam.update_xaddrs()
        ptz = await cam.create_ptz_service()
        node = (await ptz.GetNodes())[0]
        assert node.MaximumNumberOfPresets == 0 and not node.HomeSupported
        assert not node.SupportedPTZSpaces.RelativePanTiltTranslationSpace
        with pytest.raises(zeep.exceptions.Fault, match="GotoHomePosition"):
            await ptz.GotoHomePosition({"ProfileToken": "main"})
    finally:
        await cam.close()


class Viewer:
    """Decodes one RTSP stream on a thread; `wait(want)` gives the first picture after now
    that satisfies `want`."""

    def __init__(self, url: str) -> None:
        self.container = av.open(url, options={"rtsp_transport": "tcp"}, timeout=5.0)
        self.frames = self.container.decode(video=0)

    def next_matching(self, want: Callable[[Image], bool], timeout_s: float) -> Image:
        deadline = time.monotonic() + timeout_s
        for frame in self.frames:
            rgb: Image = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
            if want(rgb):
                return rgb
            if time.monotonic() > deadline:
                break
        raise AssertionError("no such picture arrived in time")


async def test_a_move_changes_the_rtsp_picture(sim: SimulatorThread) -> None:
    url = sim.url(1, "main").replace("rtsp://", f"rtsp://{USER}:{PASSWORD}@")
    viewer = await asyncio.to_thread(Viewer, url)
    cam = client(sim, 1)
    try:
        before = await asyncio.to_thread(
            viewer.next_matching, lambda rgb: ptz_picture.read_moves(rgb) == 0, 10.0
        )
        await cam.update_xaddrs()
        ptz = await cam.create_ptz_service()
        began = time.monotonic()
        await ptz.AbsoluteMove(
            {
                "ProfileToken": "main",
                "Position": {"PanTilt": {"x": 1.0, "y": -1.0}, "Zoom": {"x": 0}},
            }
        )
        after = await asyncio.to_thread(
            viewer.next_matching, lambda rgb: ptz_picture.read_moves(rgb) == 1, 10.0
        )
        print(f"move visible on RTSP after {1000 * (time.monotonic() - began):.0f} ms")
    finally:
        await cam.close()
        viewer.container.close()
    h, w = before.shape[:2]
    middle = (slice(h // 4, 3 * h // 4), slice(w // 4, 3 * w // 4))
    diff = np.abs(before[middle].astype(int) - after[middle].astype(int)).mean()
    assert diff > 20, f"the view hardly changed (mean difference {diff:.1f})"
    # The view is the scene's bottom-right corner now: it matches a render of that position.
    expected = ptz_picture.render(1, (1.0, -1.0, 0.0), 1, 0, 15, w, h)
    assert np.abs(expected[middle].astype(int) - after[middle].astype(int)).mean() < 12


def test_stats_show_the_head(camsim_factory: CamsimFactory) -> None:
    sim = camsim_factory(cameras=2, onvif=True, ptz_cameras=(2,))
    assert "ptz" not in sim.stats(1)
    assert sim.stats(2)["ptz"] | {"moves": 0} == {
        "pan": 0.0, "tilt": 0.0, "zoom": 0.0, "moves": 0, "moving": False, "presets": []
    }  # fmt: skip
