// One wall tile: a <video> fed by a WHEP session, an overlay saying what and how fresh it is,
// and the watchdog that notices a dead or frozen feed and reconnects with backoff.
//
// Testability contract: the <video> carries data-camera-id and data-state, where data-state is
// "connecting" (first attempt), "live" (frames are being rendered right now) or "offline".

import { snapshotUrl, whepUrl } from "./api.js";
import { agencyName } from "./directory.js";
import { cameraName, t } from "./i18n.js";
import { icon } from "./icons.js";
import { WhepSession } from "./whep.js";

const FREEZE_MS = 3000; // no new frame for this long: the picture is frozen
const NO_PICTURE_MS = 10000; // connected but never a frame: give up and retry
const BACKOFF_MS = [500, 1000, 2000, 4000, 5000];
const WATCH_MS = 500;

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class Tile {
  /** `hooks`: onSelect(tile), onDropCamera(tile, id), onFull(tile), onTour(tile),
   * onPlayback(tile), onChange(). */
  constructor(index, hooks) {
    this.index = index;
    this.hooks = hooks;
    this.camera = null;
    this.stream = "sub";
    this.state = "offline";
    this.session = null;
    this.gen = 0;
    this.attempt = 0;
    this.frames = 0;
    this.lastFrameAt = 0;
    this.lastMediaTime = -1;
    this.connectedAt = 0;
    this.retryTimer = null;
    this.tour = null;
    this.health = null;
    this._build();
    this.watchdog = setInterval(() => this._watch(), WATCH_MS);
  }

  _build() {
    const root = el("div", "tile empty");
    root.tabIndex = 0;
    root.dataset.index = String(this.index);
    const video = el("video");
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.setAttribute("playsinline", "");
    video.setAttribute("muted", "");
    video.setAttribute("autoplay", "");
    video.dataset.cameraId = "";
    video.dataset.state = "offline";
    const placeholder = el("div", "placeholder");
    placeholder.dataset.i18n = "tile.drop_here";
    placeholder.textContent = t("tile.drop_here");
    const number = el("span", "tile-number", String(this.index + 1));
    const top = el("div", "overlay top");
    this.nameEl = el("span", "cam-name");
    this.agencyEl = el("span", "cam-agency");
    top.append(this.nameEl, this.agencyEl);
    const bottom = el("div", "overlay bottom");
    this.badgeEl = el("span", "badge");
    this.streamEl = el("span", "stream");
    this.ageEl = el("span", "age");
    this.reasonEl = el("span", "reason");
    bottom.append(this.badgeEl, this.streamEl, this.ageEl, this.reasonEl);
    const tools = el("div", "tools");
    this.snapBtn = this._tool(tools, "snapshot", "tile.snapshot", () => this.snapshot());
    this._tool(tools, "tour", "tile.tour", () => this.hooks.onTour(this));
    this._tool(tools, "playback", "tile.playback", () => this.hooks.onPlayback(this));
    this._tool(tools, "full", "tile.full", () => this.hooks.onFull(this));
    this._tool(tools, "clear", "tile.clear", () => {
      this.clear();
      this.hooks.onChange();
    });
    root.append(video, placeholder, number, top, bottom, tools);
    root.addEventListener("click", () => this.hooks.onSelect(this));
    root.addEventListener("dblclick", (ev) => {
      ev.preventDefault();
      this.hooks.onFull(this);
    });
    root.addEventListener("dragover", (ev) => {
      if (ev.dataTransfer.types.includes("text/x-camera-id")) {
        ev.preventDefault();
        root.classList.add("drop-target");
      }
    });
    root.addEventListener("dragleave", () => root.classList.remove("drop-target"));
    root.addEventListener("drop", (ev) => {
      root.classList.remove("drop-target");
      const id = ev.dataTransfer.getData("text/x-camera-id");
      if (id) {
        ev.preventDefault();
        this.hooks.onDropCamera(this, id);
      }
    });
    this.el = root;
    this.video = video;
    this._render();
  }

  _tool(parent, iconName, key, action) {
    const btn = el("button", "tool");
    btn.append(icon(iconName));
    btn.type = "button";
    btn.dataset.i18nTitle = key;
    btn.dataset.i18nAria = key;
    btn.title = t(key);
    btn.setAttribute("aria-label", t(key));
    btn.addEventListener("click", (ev) => {
      ev.stopPropagation();
      action();
    });
    btn.addEventListener("dblclick", (ev) => ev.stopPropagation());
    parent.append(btn);
    return btn;
  }

  /** Show `camera` (a registry item) here; a running tour keeps going unless `keepTour` is false. */
  assign(camera, { keepTour = false } = {}) {
    if (!keepTour) this.stopTour();
    this.camera = camera;
    this.attempt = 0;
    this.health = null;
    this.el.classList.remove("empty");
    this._connect();
  }

  /** A pushed camera this wall's account may not watch: say so, and never ask for video. */
  deny() {
    this.clear();
    this.el.classList.remove("empty");
    this.el.dataset.permitted = "false";
    this.reasonEl.textContent = t("push.not_permitted");
  }

  /** Fuller registry details for the camera already shown (no reconnect). */
  describe(camera) {
    this.camera = camera;
    this._render();
  }

  clear() {
    delete this.el.dataset.permitted;
    this.stopTour();
    this._disconnect();
    this.camera = null;
    this.health = null;
    this._setState("offline");
    this.el.classList.add("empty");
    this.video.dataset.cameraId = "";
    this._render();
  }

  setTour(tour) {
    this.stopTour();
    this.tour = tour;
    this.el.classList.add("touring");
  }

  stopTour() {
    if (this.tour) this.tour.stop();
    this.tour = null;
    this.el.classList.remove("touring");
  }

  /** Switch between the sub stream (wall) and the main stream (full view). */
  setStream(stream) {
    if (stream === this.stream) return;
    this.stream = stream;
    if (this.camera) {
      this.attempt = 0;
      this._connect();
    } else {
      this._render();
    }
  }

  /** Health reported by the server for this camera ({state, reason}), shown when not live. */
  setHealth(health) {
    this.health = health;
    this._render();
  }

  snapshot() {
    if (!this.camera) return;
    const a = document.createElement("a");
    a.href = snapshotUrl(this.camera.id, "main");
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    a.download = `${this.camera.code || this.camera.id}-${stamp}.jpg`;
    document.body.append(a);
    a.click();
    a.remove();
  }

  /** Stop streaming (DELETE the session, no retry) but keep the camera and the element. */
  release() {
    this._disconnect();
  }

  destroy() {
    clearInterval(this.watchdog);
    this.stopTour();
    this._disconnect();
    this.el.remove();
  }

  _disconnect() {
    this.gen += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.session) this.session.close();
    this.session = null;
    this.video.srcObject = null;
  }

  _connect() {
    this._disconnect();
    const gen = this.gen;
    const cam = this.camera;
    this.video.dataset.cameraId = String(cam.id);
    this.frames = 0;
    this.lastMediaTime = -1;
    this.connectedAt = performance.now();
    this.timings = { connect: this.connectedAt }; // read by bench/wall_open.py
    if (this.attempt === 0) this._setState("connecting");
    this._render();
    const session = new WhepSession(whepUrl(cam.id, this.stream), {
      onTrack: (stream) => {
        if (gen !== this.gen) return;
        this.timings.track = performance.now();
        this.video.srcObject = stream;
        this.video.play().catch(() => {});
        this._watchFrames(gen);
      },
      onFail: (reason) => {
        if (gen === this.gen) this._lost(reason);
      },
    });
    this.session = session;
    session.start().catch((err) => {
      if (gen === this.gen) this._lost(err.message || String(err));
    });
  }

  _watchFrames(gen) {
    const video = this.video;
    if (typeof video.requestVideoFrameCallback !== "function") return; // _watch polls instead
    const onFrame = (_now, meta) => {
      if (gen !== this.gen) return;
      this._frame(meta.mediaTime);
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  _frame(mediaTime) {
    if (mediaTime === this.lastMediaTime) return;
    this.lastMediaTime = mediaTime;
    this.frames += 1;
    this.lastFrameAt = performance.now();
    if (this.frames === 1) this.timings.frame = performance.now();
    if (this.frames >= 2 && this.state !== "live") {
      this.timings.live = performance.now();
      this.attempt = 0;
      this._setState("live");
      this._render();
    }
  }

  _lost(reason) {
    this._disconnect();
    this.lastReason = reason;
    this._setState("offline");
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.retried = (this.retried || 0) + 1; // read by bench/wall_open.py
    const jitter = Math.random() * 0.2 * delay;
    const gen = this.gen;
    this.retryTimer = setTimeout(() => {
      if (gen === this.gen && this.camera) this._connect();
    }, delay + jitter);
    this._render();
  }

  _watch() {
    if (!this.camera || !this.session) {
      this._renderAge();
      return;
    }
    const now = performance.now();
    if (typeof this.video.requestVideoFrameCallback !== "function" && this.video.srcObject) {
      this._frame(this.video.currentTime);
    }
    if (this.state === "live" && now - this.lastFrameAt > FREEZE_MS) {
      this._lost(t("tile.frozen"));
    } else if (this.state !== "live" && now - this.connectedAt > NO_PICTURE_MS) {
      this._lost(t("tile.no_picture"));
    }
    this._renderAge();
  }

  _setState(state) {
    this.state = state;
    this.video.dataset.state = state;
    this.el.dataset.state = state;
  }

  _renderAge() {
    if (!this.camera || !this.lastFrameAt) {
      this.ageEl.textContent = "";
      return;
    }
    const age = (performance.now() - this.lastFrameAt) / 1000;
    this.ageEl.textContent = t("tile.age", { s: age < 10 ? age.toFixed(1) : Math.round(age) });
  }

  /** Re-draw the overlay text (all of it as text, never markup). */
  _render() {
    const cam = this.camera;
    this.nameEl.textContent = cam ? cameraName(cam) : "";
    this.nameEl.title = cam ? `${cam.code || ""} ${cameraName(cam)}`.trim() : "";
    this.agencyEl.textContent = cam ? agencyName(cam) : "";
    this.badgeEl.textContent = cam ? t(`state.${this.state}`) : "";
    this.badgeEl.dataset.state = this.state;
    this.streamEl.textContent = cam ? t(`stream.${this.stream}`) : "";
    let reason = "";
    if (cam && this.state === "offline") {
      reason = (this.health && this.health.reason) || this.lastReason || "";
    }
    if (this.tour && cam) reason = t("tour.running", { s: this.tour.intervalS });
    this.reasonEl.textContent = reason;
    this.snapBtn.disabled = !cam;
    this._renderAge();
  }

  rerender() {
    this._render();
  }
}
