// The video wall: a grid of tiles, the selected tile, full view, and the wall's state as a
// saveable layout. Tiles are created and destroyed here and nowhere else.

import { known, resolve } from "./directory.js";
import { GRIDS } from "./grids.js";
import { Tile } from "./tile.js";
import { Tour } from "./tours.js";

export class Wall {
  /** `root`: the element the tiles live in; `hooks.onTour(tile)` opens the tour picker;
   * `hooks.onFullEnter(tile)` / `hooks.onFullExit(tile)` follow the full view (PTZ panel). */
  constructor(root, hooks = {}) {
    this.root = root;
    this.hooks = hooks;
    this.grid = "9";
    this.tiles = [];
    this.selected = 0;
    this.fullTile = null;
    this.frozen = false; // a locked push is showing: the local operator cannot change tiles
  }

  /** Open the recordings of this tile's camera and of the next cameras on the wall, up to four,
   * played in sync (/playback?camera=...). */
  playback(tile) {
    if (!tile.camera) return;
    const ids = [tile.camera.id];
    for (const other of this.tiles) {
      if (other.camera && !ids.includes(other.camera.id) && ids.length < 4) ids.push(other.camera.id);
    }
    window.open(`/playback?camera=${ids.join(",")}`, "_blank", "noopener");
  }

  /** Change the geometry; cameras stay on the tiles that still exist. */
  setGrid(grid) {
    const spec = GRIDS[grid];
    if (!spec) return;
    this.exitFull();
    this.grid = grid;
    const want = spec.tiles.length;
    while (this.tiles.length > want) this.tiles.pop().destroy();
    while (this.tiles.length < want) {
      const tile = new Tile(this.tiles.length, {
        onSelect: (t) => this.select(t.index),
        onDropCamera: (t, id) => !this.frozen && this.showOn(t.index, id),
        onFull: (t) => this.toggleFull(t.index),
        onTour: (t) => this.hooks.onTour && this.hooks.onTour(t),
        onPlayback: (t) => this.playback(t),
        onChange: () => this._changed(),
      });
      this.tiles.push(tile);
      this.root.append(tile.el);
    }
    this.root.style.gridTemplateColumns = spec.cols;
    this.root.style.gridTemplateRows = spec.rows;
    this.root.dataset.grid = grid;
    spec.tiles.forEach(([c, r, cs, rs], i) => {
      const s = this.tiles[i].el.style;
      s.gridColumn = `${c} / span ${cs}`;
      s.gridRow = `${r} / span ${rs}`;
    });
    this.select(Math.min(this.selected, want - 1));
    this._changed();
  }

  select(index) {
    if (index < 0 || index >= this.tiles.length) return;
    this.selected = index;
    this.tiles.forEach((t, i) => t.el.classList.toggle("selected", i === index));
  }

  selectedTile() {
    return this.tiles[this.selected];
  }

  /** Move the selection by arrow key on the grid's visual layout. */
  moveSelection(dx, dy) {
    const spec = GRIDS[this.grid].tiles;
    const [c, r] = spec[this.selected];
    let best = -1;
    let bestScore = Infinity;
    spec.forEach(([tc, tr], i) => {
      if (i === this.selected) return;
      const ddx = dx ? (tc - c) * Math.sign(dx) : 0;
      const ddy = dy ? (tr - r) * Math.sign(dy) : 0;
      if ((dx && ddx <= 0) || (dy && ddy <= 0)) return;
      const off = dx ? Math.abs(tr - r) : Math.abs(tc - c);
      const score = (dx ? ddx : ddy) * 100 + off;
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    });
    if (best >= 0) this.select(best);
  }

  /** Show camera `id` on tile `index`, then select the next tile (click-to-fill). */
  async showOn(index, id) {
    const cam = await resolve(id);
    const tile = this.tiles[index];
    if (!cam || !tile) return;
    tile.assign(cam);
    this.select(index);
    this._changed();
  }

  /** Put `id` on the selected tile and advance the selection, as an operator filling a wall. */
  async place(id) {
    if (this.frozen) return;
    const index = this.selected;
    await this.showOn(index, id);
    if (!this.fullTile) this.select((index + 1) % this.tiles.length);
  }

  clearTile(index) {
    if (this.frozen) return;
    const tile = this.tiles[index];
    if (!tile) return;
    tile.clear();
    this._changed();
  }

  toggleFull(index) {
    if (this.fullTile && this.fullTile.index === index) this.exitFull();
    else this.enterFull(index);
  }

  /** Enlarge one tile over the wall and switch it to the camera's main stream. */
  enterFull(index) {
    const tile = this.tiles[index];
    if (!tile) return;
    this.exitFull();
    this.select(index);
    this.fullTile = tile;
    tile.el.classList.add("full");
    this.root.classList.add("has-full");
    tile.setStream("main");
    if (this.hooks.onFullEnter) this.hooks.onFullEnter(tile);
  }

  /** Back to the wall; the tile returns to the sub stream. */
  exitFull() {
    const tile = this.fullTile;
    if (!tile) return false;
    this.fullTile = null;
    tile.el.classList.remove("full");
    this.root.classList.remove("has-full");
    tile.setStream("sub");
    if (this.hooks.onFullExit) this.hooks.onFullExit(tile);
    return true;
  }

  /** Health from the server's listing, by camera id, pushed to the tiles showing them. */
  applyHealth(byId) {
    for (const tile of this.tiles) {
      if (tile.camera) tile.setHealth(byId.get(String(tile.camera.id)) || null);
    }
  }

  /** Let go of every stream (the page is going away): sessions end now, not at ICE timeout. */
  releaseAll() {
    for (const tile of this.tiles) tile.release();
  }

  rerender() {
    for (const tile of this.tiles) tile.rerender();
  }

  /** The wall as a layout body for the API. */
  toLayout() {
    return {
      grid: this.grid,
      tiles: this.tiles.map((t) => ({
        camera_id: t.camera ? String(t.camera.id) : null,
        tour: t.tour ? { camera_ids: t.tour.cameraIds, interval_s: t.tour.intervalS } : null,
      })),
    };
  }

  /** Rebuild the wall from a saved layout. */
  async load(layout) {
    this.setGrid(GRIDS[layout.grid] ? layout.grid : "9");
    for (const tile of this.tiles) tile.clear();
    const jobs = (layout.tiles || []).map(async (spec, i) => {
      const tile = this.tiles[i];
      if (!tile || !spec) return;
      if (spec.permitted === false) tile.deny();
      else if (spec.tour && spec.tour.camera_ids && spec.tour.camera_ids.length) {
        const tour = new Tour(tile, spec.tour.camera_ids, spec.tour.interval_s);
        tile.setTour(tour);
        tour.start();
      } else if (spec.camera_id) {
        // connect at once; a camera the listing has not shown yet starts from its bare id and
        // gets its name from fillDetails() (the WHEP answer says whether it may be watched)
        tile.assign(known(spec.camera_id) || { id: String(spec.camera_id) });
      }
    });
    await Promise.all(jobs);
    this._changed();
  }

  /** Registry details for tiles that started from a bare id (call after the listing). */
  async fillDetails() {
    const bare = this.tiles.filter((t) => t.camera && t.camera.code === undefined);
    await Promise.all(
      bare.map(async (tile) => {
        const id = String(tile.camera.id);
        const cam = await resolve(id);
        if (cam && tile.camera && String(tile.camera.id) === id) tile.describe(cam);
      }),
    );
  }

  _changed() {
    if (this.hooks.onChange) this.hooks.onChange(this);
  }
}
