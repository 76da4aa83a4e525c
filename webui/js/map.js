// Map view without internet tiles: every camera with a position drawn as a dot on an SVG scaled
// to the cameras' bounding box, coloured by health. Click a dot to open that feed on the wall.
// `source` (optional) gives other points to draw (the governor's scope map: agencies' cameras).

import { listCameras } from "./api.js";
import { healthOf, latLon, remember } from "./directory.js";
import { cameraName, t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 1000;
const H = 700;
const PAD = 40;
const POLL_MS = 5000;

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** Project lat/lon into the view box, keeping the shape (longitude shrunk by cos(latitude)). */
export function projector(points) {
  const lats = points.map((p) => p[0]);
  const lons = points.map((p) => p[1]);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const k = Math.cos((midLat * Math.PI) / 180);
  const xs = lons.map((x) => x * k);
  const minX = Math.min(...xs);
  const maxY = Math.max(...lats);
  const spanX = Math.max(Math.max(...xs) - minX, 1e-6);
  const spanY = Math.max(maxY - Math.min(...lats), 1e-6);
  const scale = Math.min((W - 2 * PAD) / spanX, (H - 2 * PAD) / spanY);
  const offX = (W - spanX * scale) / 2;
  const offY = (H - spanY * scale) / 2;
  return ([lat, lon]) => [offX + (lon * k - minX) * scale, offY + (maxY - lat) * scale];
}

export class MapView {
  constructor(root, { onPick, source }) {
    this.root = root;
    this.onPick = onPick;
    this.source = source || (async () => (await listCameras({ limit: 500 })).items || []);
    this.timer = null;
    this.seq = 0;
    this.svg = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "map-svg", role: "img" });
    this.info = document.createElement("p");
    this.info.className = "map-info";
    root.append(this.svg, this.info);
  }

  get visible() {
    return !this.root.hidden;
  }

  show() {
    this.root.hidden = false;
    this.refresh();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }

  hide() {
    this.root.hidden = true;
    clearInterval(this.timer);
    this.timer = null;
  }

  async refresh() {
    const seq = ++this.seq;
    let items;
    try {
      items = await this.source();
    } catch (err) {
      this.info.textContent = err.message;
      return;
    }
    if (seq !== this.seq) return;
    remember(items);
    this.draw(items);
  }

  draw(items) {
    const placed = items.map((cam) => [cam, latLon(cam)]).filter(([, p]) => p);
    const project = placed.length ? projector(placed.map(([, p]) => p)) : null;
    const frame = svg("rect", { x: 4, y: 4, width: W - 8, height: H - 8, class: "map-frame" });
    const nodes = [frame];
    for (const [cam, pos] of placed) {
      const [x, y] = project(pos);
      const health = healthOf(cam).state;
      const g = svg("g", { class: "marker", tabindex: 0, "data-camera-id": String(cam.id) });
      g.dataset.health = health;
      const title = svg("title");
      title.textContent = `${cameraName(cam)} (${cam.code || cam.id}) — ${t(`health.${health}`)}`;
      const dot = svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 9 });
      const label = svg("text", { x: (x + 13).toFixed(1), y: (y + 4).toFixed(1) });
      label.textContent = cameraName(cam);
      g.append(title, dot, label);
      const pick = () => this.onPick(String(cam.id));
      g.addEventListener("click", pick);
      g.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") pick();
      });
      nodes.push(g);
    }
    this.svg.replaceChildren(...nodes);
    this.info.textContent = t("map.count", { n: placed.length, total: items.length });
    if (this.onDraw) this.onDraw(items);
  }
}
