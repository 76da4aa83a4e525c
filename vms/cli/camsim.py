"""`vms camsim`: serve simulated RTSP cameras (for the demo, the tests and the benchmarks)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import Any

from camsim import CameraSimulator, Credentials, SimConfig
from vms.errors import ConfigError
from vms.logs import configure_logging


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "camsim",
        help="serve simulated RTSP cameras",
        description=(
            "Serve N simulated H.264 cameras at rtsp://HOST:PORT/cam/<n>/<main|sub>, each "
            "showing its number, with faults on request through --control-port."
        ),
    )
    p.add_argument("--cameras", type=int, default=4, help="number of cameras (default 4)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8554, help="RTSP port (0: any free port)")
    p.add_argument("--size", default="640x360", help="main stream WxH (default 640x360)")
    p.add_argument("--sub-size", default="320x180", help="sub stream WxH (default 320x180)")
    p.add_argument("--fps", type=int, default=15)
    p.add_argument("--gop", type=float, default=1.0, help="seconds between keyframes")
    p.add_argument("--bitrate", type=int, default=1000, help="main stream kbit/s")
    p.add_argument("--sub-bitrate", type=int, default=300, help="sub stream kbit/s")
    p.add_argument("--loop-gops", type=int, default=2, help="GOPs in the replayed loop")
    p.add_argument(
        "--grain",
        type=int,
        default=0,
        help="noise in the pictures, 0-64 (default 0); about 24 makes the encoder reach the "
        "asked bitrate, as a real camera's picture does",
    )
    p.add_argument("--auth", metavar="USER:PASS", help="demand digest auth on every camera")
    p.add_argument("--basic-auth", action="store_true", help="with --auth: Basic, not Digest")
    p.add_argument(
        "--control-port", type=int, help="serve the HTTP fault endpoint here (0: any free port)"
    )
    p.add_argument(
        "--onvif-port",
        type=int,
        help="serve an ONVIF device service per camera: camera N at this port + N - 1",
    )
    p.add_argument(
        "--ptz", metavar="N,N", help="with --onvif-port: cameras with a PTZ head (default all)"
    )
    p.add_argument(
        "--limited-ptz", metavar="N,N", help="PTZ heads without relative moves, presets, home"
    )
    p.add_argument("--clock-skew", type=float, default=0.0, help="camera clocks ahead by s")
    p.add_argument("--log-level", default="INFO")
    p.set_defaults(handler=run)


def _numbers(text: str | None, option: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in (text or "").split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"{option} must be camera numbers separated by commas") from None


def config_from_args(args: argparse.Namespace) -> SimConfig:
    """The simulator config the command line asks for; ConfigError names a bad option."""
    width, height = _size(args.size, "--size")
    sub_width, sub_height = _size(args.sub_size, "--sub-size")
    auth = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep:
            raise ConfigError("--auth must be USER:PASS")
        auth = Credentials(user, password, "basic" if args.basic_auth else "digest")
    return SimConfig(
        cameras=args.cameras,
        width=width,
        height=height,
        sub_width=sub_width,
        sub_height=sub_height,
        fps=args.fps,
        gop_s=args.gop,
        bitrate_kbps=args.bitrate,
        sub_bitrate_kbps=args.sub_bitrate,
        loop_gops=args.loop_gops,
        grain=args.grain,
        host=args.host,
        port=args.port,
        control_port=args.control_port,
        auth=auth,
        onvif=args.onvif_port is not None,
        onvif_port=args.onvif_port or 0,
        ptz_cameras=_numbers(args.ptz, "--ptz") if args.ptz else None,
        limited_ptz=_numbers(args.limited_ptz, "--limited-ptz"),
        clock_skew_s=args.clock_skew,
    )


def run(args: argparse.Namespace) -> int:
    configure_logging(args.log_level)
    config = config_from_args(args)
    asyncio.run(_serve(config))
    return 0


async def _serve(config: SimConfig) -> None:
    sim = CameraSimulator(config)
    await sim.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    control = f" control=http://{config.host}:{sim.control_port}" if sim.control_port else ""
    onvif = f" onvif={sim.onvif_url(1)}" if config.onvif else ""
    print(f"READY rtsp://{config.host}:{sim.port}/cam/1/main{control}{onvif}", flush=True)
    try:
        await stop.wait()
    finally:
        await sim.stop()


def _size(text: str, option: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise ConfigError(f"{option} must look like 640x360, not {text!r}")
    return int(width), int(height)
