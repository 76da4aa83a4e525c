// Saved layouts: the dialog that lists the caller's and shared layouts, loads one onto the
// wall, saves the wall under a name (overwriting the caller's own layout of that name), and
// deletes the caller's own. Layout names are shown as text, never markup.

import { createLayout, deleteLayout, listLayouts, replaceLayout } from "./api.js";
import { t } from "./i18n.js";

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class LayoutsDialog {
  constructor(dialog, wall) {
    this.dialog = dialog;
    this.wall = wall;
    this.list = dialog.querySelector("#layout-list");
    this.name = dialog.querySelector("#layout-name");
    this.shared = dialog.querySelector("#layout-shared");
    this.error = dialog.querySelector("#layout-message");
    this.layouts = [];
    dialog.querySelector("#layout-save").addEventListener("click", () => this.save());
    dialog.querySelector("#layout-close").addEventListener("click", () => dialog.close());
    this.name.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        this.save();
      }
    });
  }

  async open() {
    this.error.textContent = "";
    if (!this.dialog.open) this.dialog.showModal();
    await this.reload();
    this.name.focus();
  }

  async reload() {
    try {
      this.layouts = (await listLayouts()).items;
    } catch (err) {
      this.error.textContent = err.message;
      return;
    }
    this.render();
  }

  render() {
    const rows = this.layouts.map((layout) => {
      const li = el("li", "layout");
      li.dataset.layoutId = String(layout.id);
      const load = el("button", "load", layout.name);
      load.type = "button";
      load.addEventListener("click", () => this.load(layout));
      const meta = el("span", "meta", `${layout.grid} · ${layout.owner}`);
      li.append(load, meta);
      if (layout.shared) li.append(el("span", "tag", t("layouts.shared_tag")));
      if (layout.editable) {
        const del = el("button", "delete", "✕");
        del.type = "button";
        del.title = t("layouts.delete");
        del.setAttribute("aria-label", t("layouts.delete"));
        del.addEventListener("click", () => this.remove(layout));
        li.append(del);
      }
      return li;
    });
    if (!rows.length) rows.push(el("li", "empty", t("layouts.none")));
    this.list.replaceChildren(...rows);
  }

  async load(layout) {
    this.dialog.close();
    if (this.wall.frozen) return; // a locked push is showing
    await this.wall.load(layout);
  }

  async save() {
    const name = this.name.value.trim();
    if (!name) {
      this.error.textContent = t("layouts.name_required");
      return;
    }
    const body = { name, shared: this.shared.checked, ...this.wall.toLayout() };
    const mine = this.layouts.find((l) => l.editable && l.name === name);
    try {
      if (mine) await replaceLayout(mine.id, body);
      else await createLayout(body);
      this.error.textContent = t("layouts.saved", { name });
    } catch (err) {
      this.error.textContent = err.message;
    }
    await this.reload();
  }

  async remove(layout) {
    try {
      await deleteLayout(layout.id);
    } catch (err) {
      this.error.textContent = err.message;
    }
    await this.reload();
  }
}
