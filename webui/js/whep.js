// WHEP client: one receive-only WebRTC video session with the server's relay.
// POST the SDP offer once ICE gathering completes (host candidates on a LAN take milliseconds),
// take the 201 answer and its Location, and DELETE that Location when the tile lets go.

const GATHER_TIMEOUT_MS = 2000;

export class WhepError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function iceGatheringDone(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, GATHER_TIMEOUT_MS);
    function done() {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    }
    function check() {
      if (pc.iceGatheringState === "complete") done();
    }
    pc.addEventListener("icegatheringstatechange", check);
  });
}

/**
 * A viewing session. `onTrack(stream)` receives the video; `onFail(reason)` fires once when the
 * connection fails or closes from the far end.
 */
export class WhepSession {
  constructor(url, { onTrack, onFail } = {}) {
    this.url = url;
    this.onTrack = onTrack || (() => {});
    this.onFail = onFail || (() => {});
    this.pc = null;
    this.location = null;
    this.closed = false;
    this.failed = false;
  }

  async start() {
    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: "max-bundle" });
    this.pc = pc;
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addEventListener("track", (ev) => {
      const stream = ev.streams[0] || new MediaStream([ev.track]);
      this.onTrack(stream);
    });
    pc.addEventListener("connectionstatechange", () => {
      const s = pc.connectionState;
      if (s === "failed" || s === "closed" || s === "disconnected") this._fail(`webrtc ${s}`);
    });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await iceGatheringDone(pc);
    if (this.closed) return;
    const resp = await fetch(this.url, {
      method: "POST",
      headers: { "Content-Type": "application/sdp", Accept: "application/sdp" },
      body: pc.localDescription.sdp,
      credentials: "same-origin",
    });
    if (resp.status !== 201) {
      let reason = resp.statusText;
      try {
        const body = await resp.json();
        if (body && typeof body.detail === "string") reason = body.detail;
      } catch {
        /* not JSON */
      }
      throw new WhepError(resp.status, reason);
    }
    const loc = resp.headers.get("Location");
    this.location = loc ? new URL(loc, new URL(this.url, window.location.href)).href : null;
    const answer = await resp.text();
    if (this.closed) {
      this._delete();
      return;
    }
    await pc.setRemoteDescription({ type: "answer", sdp: answer });
    this._watchDtls(pc);
  }

  // The server ends a view (access revoked, camera retired, server stopping) by closing its
  // peer connection, which sends a DTLS close_notify: the DTLS transport goes "closed" at once,
  // while connectionState would wait for ICE consent to expire.
  _watchDtls(pc) {
    const receiver = pc.getTransceivers()[0] && pc.getTransceivers()[0].receiver;
    const dtls = receiver && receiver.transport;
    if (!dtls) return;
    const check = () => {
      if (dtls.state === "closed" || dtls.state === "failed") this._fail(`server ended the view`);
    };
    dtls.addEventListener("statechange", check);
    check();
  }

  _fail(reason) {
    if (this.closed || this.failed) return;
    this.failed = true;
    this.onFail(reason);
  }

  _delete() {
    if (!this.location) return;
    const where = this.location;
    this.location = null;
    fetch(where, { method: "DELETE", keepalive: true, credentials: "same-origin" }).catch(() => {});
  }

  /** End the session here and on the server. Safe to call more than once. */
  close() {
    if (this.closed) return;
    this.closed = true;
    if (this.pc) this.pc.close();
    this._delete();
  }
}
