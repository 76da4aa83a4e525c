// Entry point of the wall page: builds the views, wires them together, restores the last wall.

import { signIn, whoAmI } from "./api.js";
import { CameraBrowser } from "./browser.js";
import { GRID_NAMES } from "./grids.js";
import { cameraName, currentLang, initialLang, onLangChange, setLang } from "./i18n.js";
import { installKeys } from "./keys.js";
import { LayoutsDialog } from "./layouts.js";
import { MapView } from "./map.js";
import { PtzPanel } from "./ptz.js";
import { TourDialog } from "./tours.js";
import { Wall } from "./wall.js";
import { addHeaderLinks, startDutyHeartbeat } from "./session.js";

const $ = (sel) => document.querySelector(sel);
const LAST_WALL = "vms.wall";

async function siteName() {
  try {
    const resp = await fetch("/api/v1/webui/config");
    if (resp.ok) return (await resp.json()).site_name;
  } catch {
    /* offline: keep the default */
  }
  return null;
}

function startClock() {
  const clock = $("#clock");
  const tick = () => {
    const now = new Date();
    clock.dateTime = now.toISOString();
    clock.textContent = now.toLocaleTimeString(currentLang() === "th" ? "th-TH" : "en-GB");
  };
  tick();
  setInterval(tick, 1000);
}

/** Who is signed in (shown in the title bar); asks for a password when nobody is. */
async function signedIn(known) {
  const me = known === undefined ? await whoAmI() : known;
  if (me) {
    $("#user-slot").textContent = [me.display_name || me.username, me.agency_name]
      .filter(Boolean)
      .join(" · ");
    addHeaderLinks($("#user-slot"), me);
    startDutyHeartbeat(me);
    return me;
  }
  const dialog = $("#signin-dialog");
  dialog.addEventListener("cancel", (ev) => ev.preventDefault()); // the wall needs a person
  dialog.showModal();
  return new Promise((resolve) => {
    $("#signin-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await signIn($("#signin-username").value.trim(), $("#signin-password").value);
      } catch (err) {
        $("#signin-message").textContent = err.message;
        return;
      }
      dialog.close();
      resolve(signedIn());
    });
  });
}

async function main() {
  // the first requests go out together: every round trip before the tiles connect is waited
  // for by the operator (see docs/webui.md, "Opening the wall fast")
  const named = siteName();
  const [, me] = await Promise.all([setLang(initialLang()), whoAmI()]);
  await signedIn(me);
  const params = new URLSearchParams(window.location.search);
  const tourDialogRef = {};
  const ptz = new PtzPanel();
  const wall = new Wall($("#wall"), {
    onTour: (tile) => tourDialogRef.dialog.open(tile),
    onFullEnter: (tile) => ptz.attach(tile),
    onFullExit: () => ptz.detach(),
    onChange: (w) => {
      localStorage.setItem(LAST_WALL, JSON.stringify(w.toLayout()));
      $("#grid-select").value = w.grid;
    },
  });
  const mapView = new MapView($("#map"), {
    onPick: (id) => {
      toggleMap(false);
      wall.place(id);
    },
  });
  const browser = new CameraBrowser(
    {
      input: $("#search"),
      agencySelect: $("#agency-filter"),
      list: $("#camera-list"),
      count: $("#camera-count"),
    },
    { onPick: (id) => wall.place(id), onHealth: (health) => wall.applyHealth(health) },
  );
  tourDialogRef.dialog = new TourDialog($("#tour-dialog"), {
    candidates: () => browser.items,
    nameOf: cameraName,
  });
  const layouts = new LayoutsDialog($("#layouts-dialog"), wall);

  const gridSelect = $("#grid-select");
  for (const g of GRID_NAMES) {
    const opt = document.createElement("option");
    opt.value = g;
    opt.textContent = g;
    gridSelect.append(opt);
  }
  gridSelect.addEventListener("change", () => wall.setGrid(gridSelect.value));

  function toggleMap(show = !mapView.visible) {
    if (show) {
      $("#wall").hidden = true;
      mapView.show();
    } else {
      mapView.hide();
      $("#wall").hidden = false;
    }
    $("#btn-map").setAttribute("aria-pressed", String(show));
  }
  $("#btn-map").addEventListener("click", () => toggleMap());
  $("#btn-layouts").addEventListener("click", () => layouts.open());
  for (const code of ["th", "en"]) $(`#lang-${code}`).addEventListener("click", () => setLang(code));
  onLangChange((code) => {
    $("#lang-th").setAttribute("aria-pressed", String(code === "th"));
    $("#lang-en").setAttribute("aria-pressed", String(code === "en"));
    wall.rerender();
    browser.renderAgencies();
    browser.render();
    if (mapView.visible) mapView.refresh();
  });
  $("#lang-th").setAttribute("aria-pressed", String(currentLang() === "th"));
  $("#lang-en").setAttribute("aria-pressed", String(currentLang() === "en"));

  installKeys({
    selectTile: (i) => wall.select(i),
    move: (dx, dy) => wall.moveSelection(dx, dy),
    full: () => wall.toggleFull(wall.selected),
    back: () => {
      if (!wall.exitFull() && mapView.visible) toggleMap(false);
    },
    layouts: () => layouts.open(),
    map: () => toggleMap(),
    search: () => $("#search").focus(),
    snapshot: () => wall.selectedTile().snapshot(),
    clear: () => wall.clearTile(wall.selected),
  });

  named.then((name) => {
    if (name) {
      $("#site-title").textContent = name;
      document.title = name;
    }
  });
  startClock();

  // The listing and the tiles' WHEP offers go out together; tiles named by a bare id get their
  // names once the listing is in.
  const listing = browser.start();
  // The wall opens as asked (?grid=16&cameras=1,2,3), else as the operator left it.
  const asked = params.get("cameras");
  let saved = null;
  try {
    saved = JSON.parse(localStorage.getItem(LAST_WALL) || "null");
  } catch {
    saved = null;
  }
  if (asked !== null || params.get("grid")) {
    const ids = (asked || "").split(",").filter(Boolean);
    const grid = params.get("grid") || "9";
    await wall.load({ grid, tiles: ids.map((id) => ({ camera_id: id })) });
  } else if (saved && saved.grid) {
    await wall.load(saved);
  } else {
    wall.setGrid("9");
  }
  await listing;
  await wall.fillDetails();
  // closing or reloading the page ends its sessions at once (each user holds a capped number);
  // a page restored from the back/forward cache starts afresh
  window.addEventListener("pagehide", () => wall.releaseAll());
  window.addEventListener("pageshow", (ev) => {
    if (ev.persisted) window.location.reload();
  });
  document.body.dataset.ready = "true";
  window.vmsWall = wall; // for operators' consoles and the browser tests
}

main();
