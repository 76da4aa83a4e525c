#!/usr/bin/env node
// A WHEP viewer on werift (pure TypeScript WebRTC from npm): an independent stack, nothing of
// this project's. POSTs a recvonly H.264 offer (application/sdp), applies the answer, receives
// RTP and depacketizes H.264 itself (RFC 6184: single NAL, STAP-A, FU-A) into access units that
// end on the marker bit; an access unit counts as a frame only when it is complete (no sequence
// gap inside it, every FU-A started and ended). Then DELETEs the session and prints one JSON line:
// {"status", "frames", "idr_frames", "broken", "delete", "patched", "end_of_candidates", "error",
//  "answer_setup", "first_frame_ms"}.
//
//   node whep_client.js URL [--header 'Authorization: Bearer T'] [--frames 10] [--timeout 15]
//        [--trickle] [--setup actpass|active|passive] [--cert ecdsa|rsa] [--no-h264]
//
// --setup rewrites the offer's a=setup (werift offers actpass) and werift takes the role the
// answer leaves it; --cert makes a self-signed ECDSA P-256 (werift's default kind) or RSA-2048
// certificate with werift's own generator.
// WHEP_DEBUG=1 in the environment prints the offer and the answer to stderr.
"use strict";

const {
  CipherContext,
  HashAlgorithm,
  NamedCurveAlgorithm,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  SignatureAlgorithm,
} = require("werift");

const LOOPBACK = "127.0.0.1"; // the tests' only network; werift skips loopback unless told

function parseArgs(argv) {
  const args = { url: null, headers: {}, frames: 10, timeout: 15, trickle: false, setup: "actpass", h264: true, cert: "ecdsa" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--header") {
      const [name, ...rest] = argv[++i].split(": ");
      args.headers[name] = rest.join(": ");
    } else if (a === "--frames") args.frames = Number(argv[++i]);
    else if (a === "--timeout") args.timeout = Number(argv[++i]);
    else if (a === "--trickle") args.trickle = true;
    else if (a === "--setup") args.setup = argv[++i];
    else if (a === "--no-h264") args.h264 = false;
    else if (a === "--cert") args.cert = argv[++i];
    else if (!args.url) args.url = a;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.url) throw new Error("usage: whep_client.js URL [options]");
  return args;
}

// RFC 6184 depacketizer: counts complete access units (frames) and those holding an IDR slice.
class H264Counter {
  constructor(onFrame) {
    this.onFrame = onFrame;
    this.reset();
    this.lastSeq = null;
    this.frames = 0;
    this.idrFrames = 0;
    this.broken = 0; // access units dropped as incomplete
  }

  reset() {
    this.nalTypes = [];
    this.inFragment = false;
    this.damaged = false;
    this.hasData = false;
  }

  push(rtp) {
    const seq = rtp.header.sequenceNumber;
    if (this.lastSeq !== null && seq !== ((this.lastSeq + 1) & 0xffff)) this.damaged = true;
    this.lastSeq = seq;
    const p = rtp.payload;
    if (p.length < 1) return;
    const type = p[0] & 0x1f;
    if (type >= 1 && type <= 23) {
      if (this.inFragment) this.damaged = true; // an FU-A that never ended
      this.inFragment = false;
      this.nalTypes.push(type);
    } else if (type === 24) {
      // STAP-A: 16-bit size + NAL, repeated
      let off = 1;
      while (off + 2 <= p.length) {
        const size = p.readUInt16BE(off);
        off += 2;
        if (size === 0 || off + size > p.length) {
          this.damaged = true;
          break;
        }
        this.nalTypes.push(p[off] & 0x1f);
        off += size;
      }
    } else if (type === 28) {
      if (p.length < 2) return;
      const start = (p[1] & 0x80) !== 0;
      const end = (p[1] & 0x40) !== 0;
      if (start) {
        if (this.inFragment) this.damaged = true;
        this.inFragment = true;
        this.nalTypes.push(p[1] & 0x1f);
      } else if (!this.inFragment) {
        this.damaged = true; // a middle or end without its start
      }
      if (end) this.inFragment = false;
    } else {
      this.damaged = true; // STAP-B, MTAP, FU-B: not in packetization-mode 1 as we offer it
    }
    this.hasData = true;
    if (rtp.header.marker) {
      const complete = !this.damaged && !this.inFragment;
      const hasSlice = this.nalTypes.some((t) => t === 1 || t === 5);
      if (complete && hasSlice) {
        this.frames++;
        if (this.nalTypes.includes(5)) this.idrFrames++;
        this.onFrame();
      } else {
        this.broken++;
      }
      this.reset();
    }
  }
}

function loopbackOnly(sdp) {
  // keep only loopback candidates: the server answers on 127.0.0.1 only
  return sdp
    .split("\r\n")
    .filter((ln) => !ln.startsWith("a=candidate:") || ln.includes(` ${LOOPBACK} `))
    .join("\r\n");
}

async function http(method, url, body, headers) {
  const res = await fetch(url, { method, body, headers, signal: AbortSignal.timeout(10000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const result = {
    status: null,
    frames: 0,
    idr_frames: 0,
    broken: 0,
    delete: null,
    patched: 0,
    end_of_candidates: false,
    error: null,
    answer_setup: null,
    first_frame_ms: null,
  };
  const video = args.h264
    ? [
        new RTCRtpCodecParameters({
          mimeType: "video/H264",
          clockRate: 90000,
          rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }],
          parameters: "profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1",
        }),
      ]
    : [new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000 })];
  const signature = { ecdsa: SignatureAlgorithm.ecdsa_3, rsa: SignatureAlgorithm.rsa_1 }[args.cert];
  if (!signature) throw new Error(`--cert must be ecdsa or rsa, not ${args.cert}`);
  const keys = await CipherContext.createSelfSignedCertificateWithKey(
    { hash: HashAlgorithm.sha256_4, signature },
    NamedCurveAlgorithm.secp256r1_23,
  );
  const pc = new RTCPeerConnection({
    dtls: { keys },
    codecs: { video },
    iceServers: [],
    iceAdditionalHostAddresses: [LOOPBACK],
    iceUseIpv6: false,
  });
  let location = null;
  let etag = null;
  let postedAt = null;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const timer = setTimeout(() => {
    result.error = result.error || `fewer than ${args.frames} frames in ${args.timeout} s`;
    done();
  }, args.timeout * 1000);

  const counter = new H264Counter(() => {
    if (result.first_frame_ms === null) result.first_frame_ms = Math.round(performance.now() - postedAt);
    if (counter.frames >= args.frames) done();
  });
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => counter.push(rtp)));
  pc.connectionStateChange.subscribe((state) => {
    if (state === "failed") {
      result.error = "peer connection failed";
      done();
    }
  });

  const pending = []; // trickled candidates gathered before the POST was answered
  let patching = Promise.resolve();
  const patch = (lines) => {
    patching = patching.then(async () => {
      const local = pc.localDescription.sdp.split("\r\n");
      const ice = local.filter((ln) => ln.startsWith("a=ice-ufrag:") || ln.startsWith("a=ice-pwd:"));
      const mid = (local.find((ln) => ln.startsWith("a=mid:")) || "a=mid:0").slice(6);
      const frag = [...ice.slice(0, 2), "m=video 9 UDP/TLS/RTP/SAVPF 96", `a=mid:${mid}`, ...lines];
      const headers = { ...args.headers, "Content-Type": "application/trickle-ice-sdpfrag" };
      if (etag) headers["If-Match"] = etag;
      const r = await http("PATCH", location, frag.join("\r\n") + "\r\n", headers);
      if (r.status === 204) {
        result.patched += lines.filter((ln) => ln.startsWith("a=candidate:")).length;
        if (lines.includes("a=end-of-candidates")) result.end_of_candidates = true;
      } else result.error = `PATCH answered ${r.status}: ${r.text.slice(0, 200)}`;
    });
  };
  if (args.trickle) {
    pc.onIceCandidate.subscribe((candidate) => {
      let lines;
      if (!candidate) lines = ["a=end-of-candidates"];
      else if (candidate.candidate.includes(` ${LOOPBACK} `)) lines = [`a=${candidate.candidate}`];
      else return;
      if (location) patch(lines);
      else pending.push(...lines);
    });
  }

  try {
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    let sdp;
    if (args.trickle) {
      sdp = offer.sdp; // no candidates: they follow by PATCH
    } else {
      await new Promise((resolve) => {
        if (pc.iceGatheringState === "complete") resolve();
        pc.iceGatheringStateChange.subscribe((s) => s === "complete" && resolve());
      });
      sdp = loopbackOnly(pc.localDescription.sdp);
    }
    sdp = sdp.replace(/a=setup:actpass/g, `a=setup:${args.setup}`);
    if (process.env.WHEP_DEBUG) process.stderr.write(sdp + "\n");
    postedAt = performance.now();
    const r = await http("POST", args.url, sdp, { ...args.headers, "Content-Type": "application/sdp" });
    result.status = r.status;
    if (r.status !== 201) {
      result.error = r.text.slice(0, 300);
      done();
    } else {
      location = new URL(r.headers.get("location"), args.url).toString();
      etag = r.headers.get("etag");
      if (process.env.WHEP_DEBUG) process.stderr.write(r.text + "\n");
      const setup = r.text.match(/a=setup:(\w+)/);
      result.answer_setup = setup ? setup[1] : null;
      await pc.setRemoteDescription({ type: "answer", sdp: r.text });
      if (args.trickle && pending.length) patch(pending.splice(0));
    }
    await finished;
    await patching;
  } catch (err) {
    result.error = String(err && err.stack ? err.stack : err);
  }
  clearTimeout(timer);
  result.frames = counter.frames;
  result.idr_frames = counter.idrFrames;
  result.broken = counter.broken;
  if (location) {
    try {
      result.delete = (await http("DELETE", location, undefined, args.headers)).status;
    } catch (err) {
      result.error = result.error || `DELETE: ${err}`;
    }
  }
  try {
    await Promise.race([pc.close(), new Promise((r) => setTimeout(r, 2000))]);
  } catch (_err) {
    // closing is best effort: the result is already known
  }
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0); // werift keeps sockets and timers alive after close
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ error: String(err) }) + "\n");
  process.exit(1);
});
