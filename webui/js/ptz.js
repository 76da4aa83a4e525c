// The PTZ panel of the full view: press-and-hold arrows (a continuous move while held, a stop
// on release), zoom in/out, home, presets, click-to-centre (a relative move from where the
// picture was clicked), and the keyboard (arrows and +/- while the full view is open). It shows
// who holds control and until when, why a command was refused (the server's 409/403 text),
// and the notice when someone with a higher priority takes the camera over.
//
// Shown only when GET /cameras/{id}/ptz answers with capabilities (a camera with no PTZ answers
// 422 and the panel stays hidden). Testability: the panel is [data-ptz-panel]; its holder line
// .ptz-holder, its message line .ptz-message (role=status).

import { ApiError, ptzMove, ptzStatus, ptzPresets, ptzCommand } from "./api.js";
import { t } from "./i18n.js";

const SPEED = 0.5; // continuous pan/tilt speed of the arrows (normalised)
const ZOOM_SPEED = 0.5;
const HOLD_TIMEOUT_S = 5; // the camera stops by itself if the release never arrives
const RESEND_MS = 4000; // while held, the move is re-sent before the camera's own timeout
const REFRESH_MS = 3000; // holder line refresh
const CENTRE_GAIN = 0.25; // relative step for a click at the frame's edge, at zoom 0

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(cls, label, text) {
  const b = el("button", `ptz-btn ${cls}`, text);
  b.type = "button";
  b.setAttribute("aria-label", label);
  b.title = label;
  return b;
}

function clock(iso) {
  return new Date(iso).toLocaleTimeString("en-GB");
}

export class PtzPanel {
  constructor() {
    this.tile = null;
    this.cameraId = null;
    this.status = null;
    this.held = null; // the {pan, tilt, zoom} being held, or null
    this.resendTimer = null;
    this.refreshTimer = null;
    this.events = null;
    this._build();
    this._keys = (ev) => this._onKey(ev);
    this._keysUp = (ev) => this._onKeyUp(ev);
  }

  _build() {
    const root = el("div", "ptz-panel");
    root.dataset.ptzPanel = "";
    root.hidden = true;
    this.holderEl = el("div", "ptz-holder");
    this.messageEl = el("div", "ptz-message");
    this.messageEl.setAttribute("role", "status");
    this.messageEl.setAttribute("aria-live", "polite");
    const pad = el("div", "ptz-pad");
    const dirs = [
      ["up", 0, 1, "▲"],
      ["left", -1, 0, "◀"],
      ["right", 1, 0, "▶"],
      ["down", 0, -1, "▼"],
    ];
    for (const [name, pan, tilt, glyph] of dirs) {
      const b = button(`ptz-${name}`, t(`ptz.${name}`), glyph);
      this._holdable(b, { pan: pan * SPEED, tilt: tilt * SPEED, zoom: 0 });
      pad.append(b);
    }
    const zoom = el("div", "ptz-zoom");
    const zin = button("ptz-zoom-in", t("ptz.zoom_in"), "+");
    const zout = button("ptz-zoom-out", t("ptz.zoom_out"), "−");
    this._holdable(zin, { pan: 0, tilt: 0, zoom: ZOOM_SPEED });
    this._holdable(zout, { pan: 0, tilt: 0, zoom: -ZOOM_SPEED });
    this.homeBtn = button("ptz-home", t("ptz.home"), "⌂");
    this.homeBtn.addEventListener("click", () => this._run(() => ptzCommand(this.cameraId, "home")));
    zoom.append(zin, zout, this.homeBtn);
    const presets = el("div", "ptz-presets");
    this.presetSelect = el("select", "ptz-preset-select");
    this.presetSelect.setAttribute("aria-label", t("ptz.presets"));
    const go = button("ptz-preset-go", t("ptz.goto"), t("ptz.goto"));
    go.addEventListener("click", () => {
      const token = this.presetSelect.value;
      if (token) this._run(() => ptzCommand(this.cameraId, `presets/${encodeURIComponent(token)}/goto`));
    });
    this.presetsRow = presets;
    presets.append(this.presetSelect, go);
    for (const node of [root, pad, zoom, presets]) {
      node.addEventListener("click", (ev) => ev.stopPropagation());
      node.addEventListener("dblclick", (ev) => ev.stopPropagation());
    }
    root.append(this.holderEl, pad, zoom, presets, this.messageEl);
    this.el = root;
    // click-to-centre: an invisible layer over the picture while the panel is shown
    const aim = el("div", "ptz-aim");
    aim.dataset.ptzAim = "";
    aim.hidden = true;
    aim.addEventListener("click", (ev) => {
      ev.stopPropagation();
      this._centre(ev);
    });
    aim.addEventListener("dblclick", (ev) => ev.stopPropagation());
    this.aimEl = aim;
  }

  _holdable(btn, velocity) {
    const start = (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      if (btn.setPointerCapture && ev.pointerId !== undefined) btn.setPointerCapture(ev.pointerId);
      this.startMove(velocity);
    };
    const end = (ev) => {
      ev.stopPropagation();
      if (this.held) this.stopMove();
    };
    btn.addEventListener("pointerdown", start);
    btn.addEventListener("pointerup", end);
    btn.addEventListener("pointercancel", end);
    btn.addEventListener("lostpointercapture", end);
    btn.addEventListener("click", (ev) => ev.stopPropagation());
  }

  /** Show the panel on the full-view tile if its camera has PTZ. */
  async attach(tile) {
    this.detach();
    if (!tile || !tile.camera) return;
    const cameraId = String(tile.camera.id);
    let status;
    try {
      status = await ptzStatus(cameraId);
    } catch {
      return; // no PTZ (422), not visible, or unreachable: no panel
    }
    if (!status || !status.capabilities) return;
    // the full view may have closed (or moved to another camera) while we asked
    if (!tile.el.classList.contains("full") || !tile.camera || String(tile.camera.id) !== cameraId) {
      return;
    }
    this.detach();
    this.tile = tile;
    this.cameraId = cameraId;
    this._show(status);
    tile.el.append(this.aimEl, this.el);
    this.el.hidden = false;
    this.aimEl.hidden = !(status.control && status.capabilities.relative);
    document.addEventListener("keydown", this._keys, true);
    document.addEventListener("keyup", this._keysUp, true);
    this.refreshTimer = setInterval(() => this.refresh(), REFRESH_MS);
    this._listen();
    this._loadPresets(status);
  }

  detach() {
    if (this.held) this.stopMove();
    clearInterval(this.refreshTimer);
    this.refreshTimer = null;
    document.removeEventListener("keydown", this._keys, true);
    document.removeEventListener("keyup", this._keysUp, true);
    this.el.hidden = true;
    this.aimEl.hidden = true;
    this.el.remove();
    this.aimEl.remove();
    this.tile = null;
    this.cameraId = null;
  }

  async refresh() {
    if (!this.cameraId) return;
    try {
      this._show(await ptzStatus(this.cameraId));
    } catch (err) {
      this.say(err.message);
    }
  }

  _show(status) {
    this.status = status;
    const caps = status.capabilities;
    this.el.dataset.control = status.control ? "yes" : "no";
    this.homeBtn.hidden = !caps.home;
    this.presetsRow.hidden = !caps.presets;
    this.holderEl.dataset.user = status.holder ? status.holder.user : "";
    this.holderEl.textContent = status.holder
      ? t(status.holder.reserved ? "ptz.reserved_by" : "ptz.held_by", {
          user: status.holder.user,
          priority: status.holder.priority,
          until: clock(status.holder.until),
        })
      : t("ptz.free");
  }

  async _loadPresets(status) {
    if (!status.capabilities.presets) return;
    try {
      const presets = await ptzPresets(this.cameraId);
      this.presetSelect.replaceChildren(
        ...presets.map((p) => {
          const o = el("option", "", p.name || p.token);
          o.value = p.token;
          return o;
        }),
      );
    } catch (err) {
      this.say(err.message);
    }
  }

  /** Tell the operator something (a refusal, a take-over). */
  say(text, kind = "info") {
    this.messageEl.textContent = text;
    this.messageEl.dataset.kind = kind;
  }

  startMove(velocity) {
    this.held = velocity;
    this._sendHeld();
    clearInterval(this.resendTimer);
    this.resendTimer = setInterval(() => this._sendHeld(), RESEND_MS);
  }

  stopMove() {
    this.held = null;
    clearInterval(this.resendTimer);
    this.resendTimer = null;
    this._run(() => ptzCommand(this.cameraId, "stop"));
  }

  _sendHeld() {
    const v = this.held;
    if (!v) return;
    this._run(() =>
      ptzMove(this.cameraId, { mode: "continuous", ...v, timeout_s: HOLD_TIMEOUT_S }),
    );
  }

  _centre(ev) {
    const box = this.aimEl.getBoundingClientRect();
    if (!box.width || !box.height) return;
    const dx = ((ev.clientX - box.left) / box.width - 0.5) * 2; // -1 left .. 1 right
    const dy = ((ev.clientY - box.top) / box.height - 0.5) * 2; // -1 top .. 1 bottom
    const zoom = this.status && this.status.position ? this.status.position.zoom : 0;
    const gain = CENTRE_GAIN * (1 - 0.9 * Math.min(Math.max(zoom, 0), 1));
    const clamp = (x) => Math.max(-1, Math.min(1, x));
    this._run(() =>
      ptzMove(this.cameraId, { mode: "relative", pan: clamp(dx * gain), tilt: clamp(-dy * gain), zoom: 0 }),
    );
  }

  async _run(call) {
    if (!this.cameraId) return;
    try {
      const held = await call();
      if (held && held.holder !== undefined) {
        this._show({ ...this.status, holder: held.holder });
      }
      if (this.messageEl.dataset.kind === "refused") this.say("");
    } catch (err) {
      if (err instanceof ApiError && (err.status === 409 || err.status === 403)) {
        if (this.held) {
          clearInterval(this.resendTimer);
          this.held = null;
        }
        this.say(t("ptz.refused", { why: err.message }), "refused");
        this.refresh();
      } else {
        this.say(err.message, "error");
      }
    }
  }

  _onKey(ev) {
    if (!this.cameraId || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tag = ev.target && ev.target.tagName ? ev.target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    if (document.querySelector("dialog[open]")) return;
    const v = KEY_VELOCITY[ev.key];
    if (!v) return;
    ev.preventDefault();
    ev.stopPropagation();
    if (!ev.repeat && !this.held) this.startMove(v);
  }

  _onKeyUp(ev) {
    if (!this.cameraId || !KEY_VELOCITY[ev.key]) return;
    ev.preventDefault();
    ev.stopPropagation();
    if (this.held) this.stopMove();
  }

  /** Notices addressed to the signed-in person: shown when they are about this camera. */
  _listen() {
    if (this.events || typeof EventSource === "undefined") return;
    this.events = new EventSource("/api/v1/ptz/events", { withCredentials: true });
    this.events.addEventListener("ptz.taken_over", (ev) => {
      let data;
      try {
        data = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (String(data.camera_id) !== this.cameraId) return;
      if (this.held) {
        clearInterval(this.resendTimer);
        this.held = null;
      }
      this.say(t("ptz.taken_over", { by: data.by, reason: data.reason }), "taken-over");
      this.refresh();
    });
  }
}

const KEY_VELOCITY = {
  ArrowUp: { pan: 0, tilt: SPEED, zoom: 0 },
  ArrowDown: { pan: 0, tilt: -SPEED, zoom: 0 },
  ArrowLeft: { pan: -SPEED, tilt: 0, zoom: 0 },
  ArrowRight: { pan: SPEED, tilt: 0, zoom: 0 },
  "+": { pan: 0, tilt: 0, zoom: ZOOM_SPEED },
  "=": { pan: 0, tilt: 0, zoom: ZOOM_SPEED },
  "-": { pan: 0, tilt: 0, zoom: -ZOOM_SPEED },
};
