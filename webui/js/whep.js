// WHEP client: one receive-only WebRTC video session with the server's relay.
// POST the SDP offer at once, without waiting for ICE gathering: Chromium names its host
// candidates by mDNS, which the server ignores (its answer's host candidates are reached by
// our connectivity checks, and the server learns our address from them). Candidates with a
// real address (a browser that shows them, or STUN/TURN) follow by trickle ICE (PATCH).
// DELETE the session's Location when the tile lets go.

export class WhepError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function isMdns(candidate) {
  return /\s\S+\.local\s/i.test(` ${candidate} `);
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
    this.timings = {}; // page clock (ms): offer posted, answer received; read by bench/wall_open.py
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
    const pending = [];
    pc.addEventListener("icecandidate", (ev) => {
      const c = ev.candidate;
      if (!c || !c.candidate || isMdns(c.candidate)) return;
      if (this.location) this._trickle([c]);
      else pending.push(c);
    });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    this.timings.offered = performance.now();
    if (this.closed) return;
    this.timings.posted = performance.now();
    const resp = await fetch(this.url, {
      method: "POST",
      headers: { "Content-Type": "application/sdp", Accept: "application/sdp" },
      body: pc.localDescription.sdp,
      credentials: "same-origin",
    });
    this.timings.answered = performance.now();
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
    if (pending.length) this._trickle(pending.splice(0));
  }

  /** Send candidates gathered after the offer (RFC 8840 fragment, WHEP PATCH). */
  _trickle(candidates) {
    if (!this.location || this.closed) return;
    const pc = this.pc;
    const lines = [
      `a=ice-ufrag:${iceAttribute(pc, "ice-ufrag")}`,
      `a=ice-pwd:${iceAttribute(pc, "ice-pwd")}`,
      "m=video 9 UDP/TLS/RTP/SAVPF 0",
      `a=mid:${candidates[0].sdpMid || "0"}`,
      ...candidates.map((c) => `a=${c.candidate}`),
    ];
    fetch(this.location, {
      method: "PATCH",
      headers: { "Content-Type": "application/trickle-ice-sdpfrag" },
      body: lines.join("\r\n") + "\r\n",
      credentials: "same-origin",
    }).catch(() => {}); // the server learns our address from our checks anyway
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

function iceAttribute(pc, name) {
  const m = pc.localDescription.sdp.match(new RegExp(`a=${name}:(\\S+)`));
  return m ? m[1] : "";
}
