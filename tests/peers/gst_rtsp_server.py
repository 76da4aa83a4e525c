"""GStreamer's RTSP server as an independent peer (run with /usr/bin/python3, which has gi).

Serves a live test pattern (videotestsrc ! x264enc tune=zerolatency ! rtph264pay) at
rtsp://HOST:PORT/PATH over UDP and TCP, optionally behind digest authentication, and prints
`READY rtsp://...` once listening. Runs until killed.

    /usr/bin/python3 tests/peers/gst_rtsp_server.py --port 8554 --path /test \
        [--user U --password P] [--width 320 --height 240 --fps 15]
"""

from __future__ import annotations

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def build_server(args: argparse.Namespace) -> GstRtspServer.RTSPServer:
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={args.width},"
        f"height={args.height},framerate={args.fps}/1 ! x264enc tune=zerolatency "
        f"speed-preset=ultrafast key-int-max={args.fps} bitrate=300 ! "
        "rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )
    factory.set_shared(True)
    factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP | GstRtsp.RTSPLowerTrans.TCP)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        auth.add_digest(args.user, args.password, token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        for permission in (
            GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS,
            GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
        ):
            permissions.add_permission_for_role("user", permission, True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory(args.path, factory)
    return server


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/test")
    p.add_argument("--user")
    p.add_argument("--password", default="")
    p.add_argument("--width", type=int, default=320)
    p.add_argument("--height", type=int, default=240)
    p.add_argument("--fps", type=int, default=15)
    args = p.parse_args()
    Gst.init(None)
    server = build_server(args)
    if server.attach(None) == 0:
        print(f"FAILED to listen on {args.host}:{args.port}", flush=True)
        return 1
    print(f"READY rtsp://{args.host}:{args.port}{args.path}", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
