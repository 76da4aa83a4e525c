// The camera browser: search the registry (Thai or English name, code, agency, tag), show each
// camera's health colour, and hand cameras to the wall by click, Enter or drag.
// One listing request refreshes every colour at once, every POLL_MS; never one call per camera.

import { listAgencies, listCameras } from "./api.js";
import { agencyName, healthOf, remember, rememberAgencies } from "./directory.js";
import { cameraName, currentLang, t } from "./i18n.js";

const POLL_MS = 5000;
const DEBOUNCE_MS = 250;

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class CameraBrowser {
  /** `onPick(id)`: put a camera on the wall; `onHealth(map id -> health)`: colours changed. */
  constructor({ input, agencySelect, list, count }, { onPick, onHealth }) {
    this.input = input;
    this.agencySelect = agencySelect;
    this.list = list;
    this.count = count;
    this.onPick = onPick;
    this.onHealth = onHealth;
    this.items = [];
    this.total = 0;
    this.agencies = [];
    this.seq = 0;
    this.debounce = null;
    this.poller = null;
    input.addEventListener("input", () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.refresh(), DEBOUNCE_MS);
    });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowDown") {
        ev.preventDefault();
        const first = this.list.querySelector("li");
        if (first) first.focus();
      }
    });
    agencySelect.addEventListener("change", () => this.refresh());
  }

  async start() {
    await Promise.all([this.loadAgencies(), this.refresh()]);
    this.poller = setInterval(() => this.refresh(), POLL_MS);
  }

  stop() {
    clearInterval(this.poller);
    clearTimeout(this.debounce);
  }

  async loadAgencies() {
    try {
      const data = await listAgencies();
      this.agencies = Array.isArray(data) ? data : data.items || [];
      rememberAgencies(this.agencies);
    } catch {
      this.agencies = [];
    }
    this.renderAgencies();
  }

  renderAgencies() {
    const keep = this.agencySelect.value;
    this.agencySelect.replaceChildren(el("option", "", t("browser.all_agencies")));
    this.agencySelect.firstChild.value = "";
    for (const a of this.agencies) {
      const label = (currentLang() === "th" ? a.name_th || a.name_en : a.name_en || a.name_th) || a.code;
      const opt = el("option", "", label || String(a.id));
      opt.value = String(a.id);
      this.agencySelect.append(opt);
    }
    this.agencySelect.value = keep;
  }

  /** Re-run the current search; results that arrive out of order are dropped. */
  async refresh() {
    const seq = ++this.seq;
    let data;
    try {
      data = await listCameras({ q: this.input.value.trim(), agency_id: this.agencySelect.value });
    } catch (err) {
      if (seq === this.seq) this.count.textContent = err.message;
      return;
    }
    if (seq !== this.seq) return;
    this.items = data.items || [];
    remember(this.items);
    this.total = data.total ?? this.items.length;
    this.render();
    const health = new Map(this.items.map((c) => [String(c.id), healthOf(c)]));
    this.onHealth(health);
  }

  render() {
    const focusedId = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.cameraId
      : undefined;
    const rows = this.items.map((cam) => this.row(cam));
    this.list.replaceChildren(...rows);
    this.count.textContent = t("browser.count", { n: this.items.length, total: this.total });
    if (focusedId) {
      const again = rows.find((r) => r.dataset.cameraId === focusedId);
      if (again) again.focus();
    }
  }

  row(cam) {
    const id = String(cam.id);
    const health = healthOf(cam);
    const li = el("li", "camera");
    li.tabIndex = 0;
    li.draggable = true;
    li.dataset.cameraId = id;
    li.dataset.health = health.state;
    const dot = el("span", "dot");
    dot.dataset.health = health.state;
    dot.title = t(`health.${health.state}`);
    const text = el("span", "text");
    const name = el("span", "name", cameraName(cam));
    const meta = el("span", "meta", [cam.code, agencyName(cam)].filter(Boolean).join(" · "));
    text.append(name, meta);
    li.append(dot, text);
    li.addEventListener("click", () => this.onPick(id));
    li.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        ev.stopPropagation();
        this.onPick(id);
      } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        ev.stopPropagation();
        const next = ev.key === "ArrowDown" ? li.nextElementSibling : li.previousElementSibling;
        if (next) next.focus();
        else if (ev.key === "ArrowUp") this.input.focus();
      }
    });
    li.addEventListener("dragstart", (ev) => {
      ev.dataTransfer.setData("text/x-camera-id", id);
      ev.dataTransfer.effectAllowed = "copy";
    });
    return li;
  }
}
