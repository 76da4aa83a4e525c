// The governor's office page: declare (type, reason, duration, scope from the agency list or
// the map), confirm, extend and end. The server decides who may; its refusals are shown as
// text. The map (map.js) draws where each agency has cameras (GET /api/v1/emergency/map);
// clicking a camera adds or removes its agency from the scope, in step with the list.

import { call } from "./api.js";
import { MapView } from "./map.js";

const $ = (sel) => document.querySelector(sel);
let mapView = null;
let points = new Map(); // map point id -> its agency id

function say(text) {
  $("#em-message").textContent = text;
}

function render(em) {
  const open = em && em.active;
  const state = $("#em-state");
  state.dataset.state = open ? em.state : "none";
  if (!open) {
    state.textContent = "No emergency is in force.";
  } else {
    const ends = em.ends_at ? new Date(em.ends_at).toLocaleString() : "(after confirmation)";
    state.textContent =
      `Emergency ${em.id}: ${em.type}, ${em.state}, declared by ` +
      `${em.declared_by_name || em.declared_by}; ends ${ends}. Reason: ${em.reason}`;
  }
  $("#em-confirm").hidden = !(open && em.state === "pending_confirmation");
  $("#em-extend").hidden = !open;
  $("#em-end").hidden = !open;
  $("#em-form").hidden = Boolean(open);
}

async function refresh() {
  render(await call("GET", "/emergency"));
}

async function loadAgencies() {
  const page = await call("GET", "/agencies?limit=1000");
  const box = $("#em-agencies");
  const rows = page.items.map((a) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox";
    input.value = String(a.id);
    input.name = "em-agency";
    label.append(input, ` ${a.name_th || a.name_en || a.code} (${a.code})`);
    return label;
  });
  box.replaceChildren(...rows);
}

function scope() {
  if (document.querySelector('input[name="em-scope"]:checked').value === "all") {
    return { all: true };
  }
  const ids = [...document.querySelectorAll('input[name="em-agency"]:checked')].map((i) =>
    Number(i.value),
  );
  const tags = $("#em-tags").value.split(",").map((t) => t.trim()).filter(Boolean);
  return { agency_ids: ids, tags };
}

function act(fn) {
  return async (event) => {
    if (event) event.preventDefault();
    say("");
    try {
      await fn();
      await refresh();
    } catch (err) {
      say(err.message);
    }
  };
}

$("#em-form").addEventListener(
  "submit",
  act(() =>
    call("POST", "/emergency", {
      type: $("#em-type").value,
      reason: $("#em-reason").value,
      duration_s: Math.round(Number($("#em-duration").value) * 60),
      scope: scope(),
      include_command_center: $("#em-cc").checked,
    }),
  ),
);
$("#em-confirm").addEventListener("click", act(() => call("POST", "/emergency/confirm")));
$("#em-extend").addEventListener(
  "click",
  act(() =>
    call("POST", "/emergency/extend", {
      duration_s: Math.round(Number($("#em-extend-min").value) * 60),
    }),
  ),
);
$("#em-end").addEventListener("click", act(() => call("DELETE", "/emergency")));

function agencyBox(agencyId) {
  return document.querySelector(`input[name="em-agency"][value="${Number(agencyId)}"]`);
}

/** Colour the map's points of the agencies chosen, and name them below the map. */
function paintMap() {
  if (!mapView) return;
  const chosen = [];
  for (const box of document.querySelectorAll('input[name="em-agency"]:checked')) {
    chosen.push(box.parentElement.textContent.trim());
  }
  for (const g of mapView.svg.querySelectorAll(".marker")) {
    const box = agencyBox(points.get(g.dataset.cameraId));
    g.dataset.chosen = String(Boolean(box && box.checked));
  }
  $("#em-map-chosen").textContent = chosen.length ? `In scope: ${chosen.join(", ")}` : "";
}

function pickOnMap(pointId) {
  const box = agencyBox(points.get(pointId));
  if (!box) return;
  box.checked = !box.checked;
  document.querySelector('input[name="em-scope"][value="chosen"]').checked = true;
  paintMap();
}

function startMap() {
  const root = $("#em-map");
  mapView = new MapView(root, {
    onPick: pickOnMap,
    source: async () => {
      const items = await call("GET", "/emergency/map");
      points = new Map(items.map((p) => [String(p.id), p.agency_id]));
      return items;
    },
  });
  mapView.onDraw = (items) => {
    mapView.info.textContent = `${items.length} cameras with a position`;
    paintMap();
  };
  mapView.refresh();
  $("#em-agencies").addEventListener("change", paintMap);
}

act(async () => {
  await loadAgencies();
  startMap();
})();
window.setInterval(() => refresh().catch(() => {}), 2_000);
