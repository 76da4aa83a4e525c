// Tours: one tile cycling through a list of cameras, each for a set number of seconds.
// The tile owns its tour: clearing the tile, or putting another camera on it, stops the tour.

import { resolve } from "./directory.js";

export class Tour {
  constructor(tile, cameraIds, intervalS = 10) {
    this.tile = tile;
    this.cameraIds = cameraIds.map(String);
    this.intervalS = Math.max(3, Number(intervalS) || 10);
    this.position = -1;
    this.timer = null;
  }

  start() {
    this.stop();
    this._next();
    this.timer = setInterval(() => this._next(), this.intervalS * 1000);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  async _next() {
    if (!this.cameraIds.length) return;
    this.position = (this.position + 1) % this.cameraIds.length;
    const cam = await resolve(this.cameraIds[this.position]);
    if (cam && this.tile.tour === this) this.tile.assign(cam, { keepTour: true });
  }
}

/** The picker: tick cameras from the browser's current results, set the interval, start. */
export class TourDialog {
  constructor(dialog, { candidates, nameOf }) {
    this.dialog = dialog;
    this.candidates = candidates;
    this.nameOf = nameOf;
    this.list = dialog.querySelector("#tour-list");
    this.interval = dialog.querySelector("#tour-interval");
    this.tile = null;
    dialog.querySelector("#tour-start").addEventListener("click", () => this.start());
    dialog.querySelector("#tour-stop").addEventListener("click", () => {
      if (this.tile) this.tile.stopTour();
      dialog.close();
    });
    dialog.querySelector("#tour-close").addEventListener("click", () => dialog.close());
  }

  open(tile) {
    this.tile = tile;
    const ticked = new Set(tile.tour ? tile.tour.cameraIds : []);
    const rows = this.candidates().map((cam) => {
      const li = document.createElement("li");
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = String(cam.id);
      box.checked = ticked.has(String(cam.id));
      const text = document.createElement("span");
      text.textContent = this.nameOf(cam);
      label.append(box, text);
      li.append(label);
      return li;
    });
    this.list.replaceChildren(...rows);
    if (tile.tour) this.interval.value = String(tile.tour.intervalS);
    this.dialog.showModal();
  }

  start() {
    const ids = [...this.list.querySelectorAll("input:checked")].map((b) => b.value);
    if (!ids.length || !this.tile) return;
    const tour = new Tour(this.tile, ids, Number(this.interval.value));
    this.tile.setTour(tour);
    tour.start();
    this.dialog.close();
  }
}
