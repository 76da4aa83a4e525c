// The duty coverage panel: per police station, officers on watch now against the requirement
// (below in red, ok in green) and today's minutes covered / below. Refreshed every 5 s.
// Every name is set with textContent, never parsed as markup.

import { initialLang, onLangChange, setLang, t } from "./i18n.js";
import { addHeaderLinks } from "./session.js";

const REFRESH_MS = 5_000;
const $ = (sel) => document.querySelector(sel);

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = String(text);
  if (className) td.className = className;
  return td;
}

async function getJson(path) {
  const resp = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (resp.status === 401) {
    window.location.assign("/"); // the wall asks for a password
    throw new Error("not signed in");
  }
  const data = await resp.json().catch(() => null);
  if (!resp.ok) throw new Error((data && data.detail) || `HTTP ${resp.status}`);
  return data;
}

function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function renderNow(stations) {
  const body = $("#now-table tbody");
  const rows = stations.map((s) => {
    const tr = document.createElement("tr");
    tr.className = s.below ? "below" : "ok";
    tr.dataset.agencyId = s.agency_id;
    tr.dataset.onWatch = s.on_watch;
    tr.append(
      cell(s.name || s.code),
      cell(s.on_watch, "num on-watch"),
      cell(s.required, "num"),
      cell(t(s.below ? "coverage.below" : "coverage.ok"), "state"),
      cell(s.below_since ? new Date(s.below_since).toLocaleTimeString() : "", ""),
    );
    return tr;
  });
  body.replaceChildren(...rows);
}

function renderToday(days, names) {
  const body = $("#today-table tbody");
  const rows = days.map((d) => {
    const tr = document.createElement("tr");
    tr.dataset.agencyId = d.agency_id;
    tr.append(
      cell(names.get(d.agency_id) || d.code),
      cell(d.required, "num"),
      cell(d.minutes_covered, "num"),
      cell(d.minutes_below, "num"),
    );
    return tr;
  });
  body.replaceChildren(...rows);
}

async function refresh() {
  try {
    const stations = await getJson("/api/v1/coverage");
    renderNow(stations);
    const names = new Map(stations.map((s) => [s.agency_id, s.name || s.code]));
    renderToday(await getJson(`/api/v1/coverage/history?day=${today()}`), names);
    $("#coverage-message").textContent = "";
    $("#updated").textContent = new Date().toLocaleTimeString();
    document.body.dataset.ready = "true";
  } catch (err) {
    $("#coverage-message").textContent = err.message;
  }
}

async function main() {
  await setLang(initialLang());
  for (const b of document.querySelectorAll("#lang-switch [data-lang]")) {
    b.addEventListener("click", () => setLang(b.dataset.lang));
  }
  onLangChange(() => refresh());
  const me = await getJson("/api/v1/auth/me");
  $("#user-slot").textContent = [me.display_name || me.username, me.agency_name]
    .filter(Boolean)
    .join(" · ");
  addHeaderLinks($("#user-slot"), me);
  await refresh();
  setInterval(refresh, REFRESH_MS);
}

main();
