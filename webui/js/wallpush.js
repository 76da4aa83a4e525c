// Walls steered from the command center. `WallLink` makes this page a registered wall
// (opened as /?wall=ID): it listens to the wall's server-sent events, applies each push to the
// tiles, acknowledges it, shows who pushed it, and lets the local operator return to their own
// layout unless the push is locked. `PushPanel` is the supervisor's side: push this page's
// layout to one, several or all walls. Names from the server are shown as text, never markup.

import { listWalls, pushWalls, wallAct, wallEventsUrl } from "./api.js";
import { t } from "./i18n.js";

export class WallLink {
  /** `els`: {banner, text, back, unlock}; `hooks`: own() gives the local layout,
   * restore(layout) puts it back, changed() after each state is shown. */
  constructor(wall, wallId, els, hooks) {
    this.wall = wall;
    this.id = wallId;
    this.els = els;
    this.hooks = hooks;
    this.state = null;
    this.own = null; // the local layout to return to while a push is showing
    this.applied = -1;
    this.appliedContent = null;
    this.expiryTimer = null;
    els.back.addEventListener("click", () => this.act("return"));
    els.unlock.addEventListener("click", () => this.act("unlock"));
  }

  get pushed() {
    return !!(this.state && this.state.mode === "pushed");
  }

  start() {
    // EventSource reconnects by itself and sends Last-Event-ID; the server answers a page that
    // is behind with the current state, so nothing is missed while the connection was down
    this.source = new EventSource(wallEventsUrl(this.id));
    this.source.addEventListener("state", (ev) => this.apply(JSON.parse(ev.data)));
  }

  async apply(state) {
    // a state is new when its change counter is, or when access changed what this wall may
    // see of the same change (the server then sends the same id again with other tiles)
    const content = JSON.stringify(state.content);
    if (state.seq < this.applied) return;
    if (state.seq === this.applied && content === this.appliedContent) return;
    this.applied = state.seq;
    this.appliedContent = content;
    const was = this.pushed;
    this.state = state;
    clearTimeout(this.expiryTimer);
    if (state.mode === "pushed") {
      if (!was) this.own = this.hooks.own();
      this.wall.frozen = false;
      await this.wall.load({ grid: state.content.grid, tiles: state.content.tiles });
      this.wall.frozen = state.locked;
      if (state.expires_at) {
        const left = new Date(state.expires_at).getTime() - Date.now();
        this.expiryTimer = setTimeout(() => this.expired(), Math.max(0, left));
      }
    } else {
      this.wall.frozen = false;
      if (was && this.own) await this.hooks.restore(this.own);
      this.own = null;
    }
    this.render();
    document.body.dataset.wallSeq = String(state.seq);
    if (state.mode === "pushed" && state.acked_seq < state.seq) {
      wallAct(this.id, "ack", { seq: state.seq }).catch(() => {});
    }
  }

  /** The push ran out: back to the own layout (the server's state says the same). */
  async expired() {
    if (!this.pushed) return;
    this.wall.frozen = false;
    this.state = { ...this.state, mode: "local", locked: false, content: null };
    if (this.own) await this.hooks.restore(this.own);
    this.own = null;
    this.render();
  }

  async act(what) {
    try {
      await this.apply(await wallAct(this.id, what));
      this.els.text.title = "";
    } catch (err) {
      this.els.text.title = err.message;
      this.els.text.textContent = err.message;
    }
  }

  render() {
    const { banner, text, back, unlock } = this.els;
    const s = this.state;
    banner.hidden = !this.pushed;
    document.body.dataset.wallMode = s ? s.mode : "local";
    document.body.dataset.wallLocked = String(!!(s && s.locked));
    if (this.hooks.changed) this.hooks.changed();
    if (!this.pushed) return;
    const parts = [s.content.title || t("push.pushed_by", { name: s.pushed_by || "?" })];
    if (s.content.title) parts.push(t("push.pushed_by", { name: s.pushed_by || "?" }));
    if (s.locked) parts.push(t("push.locked"));
    if (s.expires_at) parts.push(t("push.until", { at: new Date(s.expires_at).toLocaleTimeString() }));
    text.textContent = parts.join(" · ");
    back.hidden = !s.can_return;
    unlock.hidden = !s.can_unlock;
  }
}

export class PushPanel {
  /** The push dialog; `layout()` gives this page's layout ({grid, tiles}). */
  constructor(dialog, layout) {
    this.dialog = dialog;
    this.layout = layout;
    this.list = dialog.querySelector("#push-walls");
    this.locked = dialog.querySelector("#push-locked");
    this.minutes = dialog.querySelector("#push-minutes");
    this.message = dialog.querySelector("#push-message");
    dialog.querySelector("#push-send").addEventListener("click", () => this.send());
    dialog.querySelector("#push-close").addEventListener("click", () => dialog.close());
  }

  /** Walls the caller may push to (empty for most people: then no push button is shown). */
  async pushable() {
    try {
      return (await listWalls()).items.filter((w) => w.can_push);
    } catch {
      return [];
    }
  }

  async open() {
    this.message.textContent = "";
    const walls = await this.pushable();
    this.list.replaceChildren(
      ...walls.map((w) => {
        const li = document.createElement("li");
        const label = document.createElement("label");
        const box = document.createElement("input");
        box.type = "checkbox";
        box.value = String(w.id);
        label.append(box, " ", w.name);
        if (w.mode === "pushed") label.append(` · ${t("push.pushed_by", { name: w.pushed_by })}`);
        li.append(label);
        return li;
      }),
    );
    if (!this.dialog.open) this.dialog.showModal();
  }

  async send() {
    const ids = [...this.list.querySelectorAll("input:checked")].map((b) => Number(b.value));
    if (!ids.length) {
      this.message.textContent = t("push.pick");
      return;
    }
    const { grid, tiles } = this.layout();
    const body = { walls: ids, layout: { grid, tiles }, locked: this.locked.checked };
    const minutes = Number(this.minutes.value);
    if (minutes > 0) body.expires_in_s = Math.round(minutes * 60);
    try {
      const done = await pushWalls(body);
      this.message.textContent = t("push.sent", { n: done.total });
    } catch (err) {
      this.message.textContent = err.message;
    }
  }
}
