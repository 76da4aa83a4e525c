"""Watch a camera with GStreamer's webrtcbin: a plain WHEP client, nothing of this project's.

Run with Debian's /usr/bin/python3 (python3-gi, python3-gst-1.0, gstreamer1.0-nice,
gstreamer1.0-plugins-bad; scripts/bootstrap.sh installs them). POSTs a recvonly H.264 offer,
applies the answer, decodes pictures (rtph264depay ! avdec_h264), shows them with `--show`,
and DELETEs the session at the end (after `--frames` pictures, or Ctrl-C). The interop tests
(tests/peers/test_webrtcbin_whep.py) and bench/whep_players.py drive this same script.
webrtcbin keeps its default (RSA) DTLS certificate. Prints one JSON
line at the end: {"status", "frames", "width", "height", "first_frame_ms", "delete", "error",
"patched"}.
Standard library only for HTTP, so it needs nothing of ours.

    /usr/bin/python3 scripts/whep_play.py URL [--token T | --header 'Authorization: Bearer T']
        [--setup actpass|active|passive] [--profile 42e01f] [--trickle] [--frames 10]
        [--latency MS] [--faststart N] [--no-h264] [--videos N] [--audio] [--show]
        [--frames 0: until Ctrl-C]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("Nice", "0.1")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC, Nice  # noqa: E402

LOOPBACK = "127.0.0.1"  # the tests' only network; webrtcbin (libnice) skips it by default


def http(
    method: str, url: str, body: bytes | None, headers: dict[str, str]
) -> tuple[int, Any, str]:
    if not url.startswith(("http://", "https://")):
        return 0, {}, f"not an http(s) URL: {url}"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 (http(s) only, checked above)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()
    except OSError as exc:  # refused, reset, timed out
        return 0, {}, f"{method} {url}: {exc}"


class Client:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.headers = dict(h.split(": ", 1) for h in args.header)
        if args.token:
            self.headers["Authorization"] = f"Bearer {args.token}"
        self.result: dict[str, Any] = {
            "frames": 0,
            "status": None,
            "delete": None,
            "error": None,
            "patched": 0,  # candidates sent in trickle PATCHes answered 204
        }
        self.loop = GLib.MainLoop()
        self.candidates: list[str] = []
        self.gathered = threading.Event()
        self.location: str | None = None
        self.etag: str | None = None
        self.posted_at = 0.0
        self.pipe = Gst.Pipeline.new("whep")
        self.webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
        self.webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        if args.latency is not None:
            self.webrtc.set_property("latency", args.latency)
        if args.faststart:
            # the jitter buffer starts after N consecutive packets instead of after `latency`
            # (it keeps `latency` for reordering afterwards); webrtcbin's rtpbin is "rtpbin"
            rtpbin = self.webrtc.get_by_name("rtpbin")
            rtpbin.connect(
                "new-jitterbuffer",
                lambda _bin, jb, _session, _ssrc: jb.set_property(
                    "faststart-min-packets", args.faststart
                ),
            )
        address = Nice.Address.new()
        address.set_from_string(LOOPBACK)
        # webrtcbin 1.22 hands its ICE agent out without a reference: keep one for its life
        self.ice = self.webrtc.get_property("ice-agent")
        Gst.Object.ref(self.ice)
        self.ice.get_property("agent").add_local_address(address)
        self.pipe.add(self.webrtc)
        self.webrtc.connect("on-ice-candidate", self._on_candidate)
        self.webrtc.connect("notify::ice-gathering-state", self._on_gathering)
        self.webrtc.connect("pad-added", self._on_pad)
        self.webrtc.connect("notify::connection-state", self._on_connection)
        encoding = "VP8" if args.no_h264 else "H264"
        caps = Gst.Caps.from_string(
            f"application/x-rtp,media=video,encoding-name={encoding},payload=96,"
            f"clock-rate=90000,profile-level-id={args.profile},packetization-mode=(string)1"
        )
        recvonly = GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY
        self.webrtc.emit("add-transceiver", recvonly, caps)
        for n in range(1, args.videos):  # more video m-lines than the server has streams
            extra = caps.copy()
            extra.set_value("payload", 96 + n)
            self.webrtc.emit("add-transceiver", recvonly, extra)
        if args.audio:  # the camera has no audio; the server answers the m-line as the draft says
            audio = "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000"
            self.webrtc.emit("add-transceiver", recvonly, Gst.Caps.from_string(audio))
        # the decoder exists before media arrives (as in a player's pipeline); made in
        # pad-added it would cost ~40 ms of plugin loading after the first packet is in
        chain = "rtph264depay ! h264parse ! avdec_h264 ! videoconvert ! "
        if args.show:
            chain += "tee name=t ! queue ! autovideosink sync=false t. ! queue ! "
        chain += "fakesink name=sink signal-handoffs=true sync=false"
        self.decode = Gst.parse_bin_from_description(chain, True)
        self.pipe.add(self.decode)
        self.decode.get_by_name("sink").connect("handoff", self._on_frame)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self._on_error)

    def run(self) -> dict[str, Any]:
        self.pipe.set_state(Gst.State.PLAYING)
        promise = Gst.Promise.new()
        self.webrtc.emit("create-offer", None, promise)
        promise.wait()
        reply = promise.get_reply()  # owned by the promise: keep both while the offer is used
        self._on_offer(reply.get_value("offer"))
        GLib.timeout_add(int(self.args.timeout * 1000), self._timeout)
        try:
            self.loop.run()
        except KeyboardInterrupt:  # Ctrl-C: still end the session with a DELETE
            pass
        if self.location is not None:
            self.result["delete"] = http("DELETE", self.location, None, self.headers)[0]
        self.pipe.set_state(Gst.State.NULL)
        return self.result

    def _timeout(self) -> bool:
        if self.result["frames"] == 0:  # no picture in time; once playing, play on
            self.result["error"] = self.result["error"] or "no picture in time"
            self.loop.quit()
        return False

    def _on_error(self, _bus: Gst.Bus, message: Gst.Message) -> None:
        err, _debug = message.parse_error()
        self.result["error"] = f"gstreamer: {err.message}"
        self.loop.quit()

    def _on_candidate(self, _element: Gst.Element, _mline: int, candidate: str) -> None:
        if candidate and f" {LOOPBACK} " in candidate:
            self.candidates.append(candidate)
            if self.args.trickle and self.location is not None:
                self._patch([candidate])

    def _on_gathering(self, *_args: object) -> None:
        state = self.webrtc.get_property("ice-gathering-state")
        if state == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            self.gathered.set()
            if self.args.trickle and self.location is not None:
                self._patch([], end=True)

    def _on_offer(self, offer: GstWebRTC.WebRTCSessionDescription) -> None:
        self.webrtc.emit("set-local-description", offer, None)
        threading.Thread(target=self._post, args=(offer.sdp.as_text(),), daemon=True).start()

    def _post(self, sdp: str) -> None:
        if not self.args.trickle:
            self.gathered.wait(10)
            sdp = with_candidates(sdp, self.candidates)
        sdp = sdp.replace("a=setup:actpass", f"a=setup:{self.args.setup}")
        headers = {**self.headers, "Content-Type": "application/sdp"}
        self.posted_at = time.monotonic()
        status, reply_headers, text = http("POST", self.args.url, sdp.encode(), headers)
        self.result["status"] = status
        self.result["answered_ms"] = self._since_post()
        if status != 201:
            self.result["error"] = text[:300]
            GLib.idle_add(self.loop.quit)
            return
        self.location = urllib.request.urljoin(self.args.url, reply_headers["Location"])
        self.etag = reply_headers.get("ETag")
        ice = ("a=ice-ufrag", "a=ice-pwd")
        self.ufrag_pwd = [ln for ln in sdp.splitlines() if ln.startswith(ice)]
        self.mid = next((ln[6:] for ln in sdp.splitlines() if ln.startswith("a=mid:")), "0")
        self.result["answer_media"] = answer_media(text)
        GLib.idle_add(self._set_answer, text)
        if self.args.trickle:
            self._patch(list(self.candidates), end=self.gathered.is_set())

    def _patch(self, candidates: list[str], end: bool = False) -> None:
        lines = [*self.ufrag_pwd[:2], "m=video 9 UDP/TLS/RTP/SAVPF 96", f"a=mid:{self.mid}"]
        lines += [f"a={c}" for c in candidates] + (["a=end-of-candidates"] if end else [])
        headers = {**self.headers, "Content-Type": "application/trickle-ice-sdpfrag"}
        if self.etag:
            headers["If-Match"] = self.etag
        assert self.location is not None
        status = http("PATCH", self.location, ("\r\n".join(lines) + "\r\n").encode(), headers)[0]
        if status == 204:
            self.result["patched"] += len(candidates)
        else:
            self.result["error"] = f"PATCH answered {status}"

    def _set_answer(self, text: str) -> bool:
        _res, message = GstSdp.SDPMessage.new_from_text(text)
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, message)
        self.webrtc.emit("set-remote-description", answer, None)
        return False

    def _since_post(self) -> float:
        return (time.monotonic() - self.posted_at) * 1000.0

    def _on_connection(self, *_args: object) -> None:
        state = self.webrtc.get_property("connection-state")
        if state == GstWebRTC.WebRTCPeerConnectionState.CONNECTED:
            self.result.setdefault("connected_ms", self._since_post())  # ICE + DTLS done

    def _on_rtp(self, _pad: Gst.Pad, _info: Gst.PadProbeInfo) -> Gst.PadProbeReturn:
        # the first RTP packet out of webrtcbin (after its jitter buffer, `--latency`)
        self.result.setdefault("first_rtp_ms", self._since_post())
        return Gst.PadProbeReturn.REMOVE

    def _on_pad(self, _element: Gst.Element, pad: Gst.Pad) -> None:
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        sink = self.decode.get_static_pad("sink")
        if sink.is_linked():  # media on a second m-line: counted, not decoded
            self.result["extra_streams"] = self.result.get("extra_streams", 0) + 1
            extra = Gst.ElementFactory.make("fakesink")
            self.pipe.add(extra)
            extra.sync_state_with_parent()
            pad.link(extra.get_static_pad("sink"))
            return
        pad.add_probe(Gst.PadProbeType.BUFFER, self._on_rtp)
        pad.link(sink)

    def _on_frame(self, _sink: Gst.Element, _buffer: Gst.Buffer, pad: Gst.Pad) -> None:
        if self.result["frames"] == 0:
            self.result["first_frame_ms"] = self._since_post()
            s = pad.get_current_caps().get_structure(0)
            self.result["width"] = s.get_value("width")
            self.result["height"] = s.get_value("height")
        self.result["frames"] += 1
        if self.args.frames and self.result["frames"] >= self.args.frames:
            GLib.idle_add(self.loop.quit)


def answer_media(sdp: str) -> list[str]:
    """Each answered m-line as "kind port direction" (e.g. "video 9 sendonly")."""
    media: list[list[str]] = []
    for line in sdp.splitlines():
        if line.startswith("m="):
            kind, port = line[2:].split()[:2]
            media.append([kind, port, "sendrecv"])
        elif media and line[2:] in ("sendrecv", "sendonly", "recvonly", "inactive"):
            media[-1][2] = line[2:]
    return [" ".join(m) for m in media]


def with_candidates(sdp: str, candidates: list[str]) -> str:
    """The offer with gathered candidates in its (bundled) media section, gathering ended."""
    lines = [ln for ln in sdp.splitlines() if not ln.startswith("a=candidate:")]
    lines = [ln for ln in lines if ln != "a=end-of-candidates"]
    lines += [f"a={c}" for c in candidates] + ["a=end-of-candidates"]
    return "\r\n".join(lines) + "\r\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("url")
    p.add_argument("--token", help="bearer token (POST /api/v1/auth/token)")
    p.add_argument("--header", action="append", default=[], help="extra 'Name: value' header")
    p.add_argument("--show", action="store_true", help="show the picture (autovideosink)")
    p.add_argument("--setup", choices=["actpass", "active", "passive"], default="actpass")
    p.add_argument("--profile", default="42e01f")
    p.add_argument("--trickle", action="store_true")
    p.add_argument("--frames", type=int, default=10, help="stop after N pictures (0: Ctrl-C)")
    p.add_argument("--latency", type=int, default=None, help="jitter buffer ms (default 200)")
    p.add_argument(
        "--faststart", type=int, default=0, help="jitter buffer faststart-min-packets (0: off)"
    )
    p.add_argument("--no-h264", action="store_true", help="offer VP8 only")
    p.add_argument("--videos", type=int, default=1, help="video m-lines to offer")
    p.add_argument("--audio", action="store_true", help="offer an Opus audio m-line too")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to the first picture")
    args = p.parse_args()
    Gst.init(None)
    result = Client(args).run()
    print(json.dumps(result), flush=True)
    return 0 if result["error"] is None else 1


if __name__ == "__main__":
    sys.exit(main())
