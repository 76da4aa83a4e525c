"""GStreamer's RTSP server as an independent peer (run with /usr/bin/python3, which has gi).

Serves a live test pattern (videotestsrc ! x264enc tune=zerolatency ! rtph264pay) at
rtsp://HOST:PORT/PATH over UDP and TCP, optionally behind digest authentication, and prints
`READY rtsp://...` once listening. Runs until killed.

    /usr/bin/python3 tests/peers/gst_rtsp_server.py --port 8554 --path /test \
        [--user U --password P] [--width 320 --height 240 --fps 15]
        [--gop FRAMES | --keyframe-intervals 2,9] [--bframes 2] [--codec h265]
        [--params-out-of-band] [--resize-after 3 --resize-to 480x270]

The options make the camera "difficult" as real ones are: long or irregular GOPs (keyframes
forced at the given intervals in seconds, cycling), B-frames (main profile), SPS/PPS only in
the SDP (sprop-parameter-sets), a resolution change mid-stream, H.265.
"""

from __future__ import annotations

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer, GstVideo  # noqa: E402


def launch_line(args: argparse.Namespace) -> str:
    gop = args.gop or args.fps
    if args.keyframe_intervals:
        gop = 100_000  # keyframes only when forced
    raw = (
        f"videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width={args.width},"
        f"height={args.height},framerate={args.fps}/1 ! videoscale ! capsfilter name=size "
        f"caps=video/x-raw,width={args.width},height={args.height}"
    )
    if args.codec == "h265":
        return (
            f"( {raw} ! x265enc name=enc tune=zerolatency speed-preset=ultrafast "
            f"key-int-max={gop} bitrate=300 ! rtph265pay name=pay0 pt=96 config-interval=-1 )"
        )
    tune = "" if args.bframes else "tune=zerolatency "
    caps = "video/x-h264,profile=main" if args.bframes else "video/x-h264"
    if args.params_out_of_band:
        caps += ",stream-format=avc"  # SPS/PPS in codec_data only: the SDP's sprop
    config = 0 if args.params_out_of_band else -1
    return (
        f"( {raw} ! x264enc name=enc {tune}speed-preset=ultrafast key-int-max={gop} "
        f"bframes={args.bframes} b-adapt=false bitrate=300 ! {caps} ! "
        f"rtph264pay name=pay0 pt=96 config-interval={config} )"
    )


def on_media(args: argparse.Namespace, media: GstRtspServer.RTSPMedia) -> None:
    """Timers of the difficult cases, on the (shared) media's pipeline."""
    bin_ = media.get_element()
    if args.keyframe_intervals:
        intervals = [float(x) for x in args.keyframe_intervals.split(",")]
        encoder = bin_.get_by_name("enc")

        def force(i: int) -> bool:
            event = GstVideo.video_event_new_upstream_force_key_unit(Gst.CLOCK_TIME_NONE, True, i)
            encoder.get_static_pad("src").send_event(event)
            GLib.timeout_add(int(intervals[i % len(intervals)] * 1000), force, i + 1)
            return False

        GLib.timeout_add(int(intervals[0] * 1000), force, 1)
    if args.resize_after:
        width, height = (int(v) for v in args.resize_to.split("x"))
        size = bin_.get_by_name("size")

        def resize() -> bool:
            size.set_property(
                "caps", Gst.Caps.from_string(f"video/x-raw,width={width},height={height}")
            )
            return False

        GLib.timeout_add(int(args.resize_after * 1000), resize)


def build_server(args: argparse.Namespace) -> GstRtspServer.RTSPServer:
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch_line(args))
    factory.connect("media-configure", lambda _f, media: on_media(args, media))
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
    p.add_argument("--gop", type=int, default=0, help="frames per GOP (default: fps)")
    p.add_argument("--keyframe-intervals", default="", help="seconds between keyframes, cycling")
    p.add_argument("--bframes", type=int, default=0)
    p.add_argument("--codec", choices=("h264", "h265"), default="h264")
    p.add_argument("--params-out-of-band", action="store_true")
    p.add_argument("--resize-after", type=float, default=0.0)
    p.add_argument("--resize-to", default="480x270")
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
