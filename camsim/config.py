"""`SimConfig`: everything that shapes the simulated cameras, validated once at construction."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from camsim.framecode import MAX_INDEX
from vms.errors import ConfigError

MAX_LOOP_FRAMES = MAX_INDEX + 1


def default_cache_dir() -> Path:
    """Where encoded loops are kept: $VMS_CAMSIM_CACHE, else $XDG_CACHE_HOME/vms-camsim."""
    explicit = os.environ.get("VMS_CAMSIM_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vms-camsim"


@dataclass(frozen=True, slots=True)
class Credentials:
    """User name and password a camera demands; the password never appears in repr or logs."""

    user: str
    password: str = field(repr=False)
    method: str = "digest"  # "digest" (RFC 7616 MD5, what cameras do) or "basic"

    def __post_init__(self) -> None:
        if not self.user or ":" in self.user:
            raise ConfigError("camera user must be non-empty and contain no ':'")
        if self.method not in ("digest", "basic"):
            raise ConfigError(f"auth method must be 'digest' or 'basic', not {self.method!r}")


@dataclass(frozen=True, slots=True)
class SimConfig:
    """How many cameras, what they send, and where they listen.

    Main and sub streams share `fps` and `gop_s`; each has its own size. `loop_gops` GOPs are
    encoded once per camera and stream, cached on disk, and replayed forever.
    """

    cameras: int = 4
    width: int = 640
    height: int = 360
    fps: int = 15
    gop_s: float = 1.0
    bitrate_kbps: int = 1000
    sub_width: int = 320
    sub_height: int = 180
    sub_bitrate_kbps: int = 300
    loop_gops: int = 2
    grain: int = 0  # noise amplitude in the pictures (0-64); 0: flat pictures, few bits
    host: str = "127.0.0.1"
    port: int = 0  # 0: pick a free port; CameraSimulator.port tells which
    control_port: int | None = None  # HTTP fault control; 0 picks a free port, None: off
    auth: Credentials | None = None
    max_connections: int = 2000
    max_sessions_per_connection: int = 4
    write_buffer_limit: int = 2 * 1024 * 1024  # bytes queued to one client before frames skip
    socket_send_buffer: int = 256 * 1024  # SO_SNDBUF per client: bounds kernel memory too
    max_skipped_frames: int = 150  # a client skipping this many frames in a row is dropped
    session_timeout_s: int = 60
    rtcp_interval_s: float = 5.0
    encode_workers: int = 2
    cache_dir: Path = field(default_factory=default_cache_dir)
    onvif: bool = False  # an ONVIF device service (HTTP) per camera
    onvif_port: int = 0  # camera n at onvif_port + n - 1; 0: each picks a free port
    ptz_cameras: tuple[int, ...] | None = None  # cameras with a PTZ head (None: all, if onvif)
    limited_ptz: tuple[int, ...] = ()  # heads with continuous/absolute moves only
    clock_skew_s: float = 0.0  # the cameras' clocks run this far ahead of real time
    onvif_http_digest: tuple[int, ...] = ()  # cameras whose ONVIF demands HTTP Digest

    def has_ptz(self, camera: int) -> bool:
        """Whether camera `camera` has a PTZ head (its picture then follows the head)."""
        return self.onvif and (self.ptz_cameras is None or camera in self.ptz_cameras)

    def __post_init__(self) -> None:
        if not 1 <= self.cameras <= 10_000:
            raise ConfigError("cameras must be between 1 and 10000")
        for name in ("width", "height", "sub_width", "sub_height"):
            check_size(name, getattr(self, name))
        if not 1 <= self.fps <= 120:
            raise ConfigError("fps must be between 1 and 120")
        if self.gop_frames < 1 or self.gop_frames > 1200:
            raise ConfigError("gop_s * fps must give between 1 and 1200 frames")
        if not 1 <= self.loop_gops <= 60:
            raise ConfigError("loop_gops must be between 1 and 60")
        if self.loop_frames > MAX_LOOP_FRAMES:
            raise ConfigError(f"a loop may hold at most {MAX_LOOP_FRAMES} frames (frame code bits)")
        for name in ("bitrate_kbps", "sub_bitrate_kbps"):
            if not 16 <= getattr(self, name) <= 100_000:
                raise ConfigError(f"{name} must be between 16 and 100000")
        if not 0 <= self.grain <= 64:
            raise ConfigError("grain must be between 0 and 64")
        for port in (self.port, self.control_port or 0):
            if not 0 <= port <= 65535:
                raise ConfigError("ports must be between 0 and 65535")
        if not 4096 <= self.socket_send_buffer <= 64 * 1024 * 1024:
            raise ConfigError("socket_send_buffer must be between 4 KiB and 64 MiB")
        if not 0 <= self.onvif_port <= 65535 - self.cameras:
            raise ConfigError("onvif_port must leave room for one port per camera")
        if abs(self.clock_skew_s) > 10 * 365 * 86400:
            raise ConfigError("clock_skew_s must be within ten years")
        if self.max_connections < 1 or self.max_sessions_per_connection < 1:
            raise ConfigError("connection and session limits must be at least 1")

    @property
    def gop_frames(self) -> int:
        """Frames from one keyframe to the next."""
        return max(1, round(self.gop_s * self.fps))

    @property
    def loop_frames(self) -> int:
        """Frames in one replayed loop: a whole number of GOPs."""
        return self.gop_frames * self.loop_gops


def check_size(name: str, value: int) -> None:
    """Picture sizes must be even (4:2:0 chroma) and sane."""
    if not 32 <= value <= 4096 or value % 2:
        raise ConfigError(f"{name} must be an even number between 32 and 4096, not {value}")
