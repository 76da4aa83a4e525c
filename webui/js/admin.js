// The administration page's shell: who is signed in, the language, and the sections of the
// nav (links <a href="#name" data-section="name">). Each section is a module
// webui/js/admin/<name>.js exporting `render(container, ctx)`, ctx = {me, say(text, kind), t,
// api, lang(), onLang(fn)}; it renders when chosen and again when the language changes (so
// onLang needs no listener: it is kept only for sections that want to know). The server decides what each action may do: the page only
// shows what the API answered, in words set as text (never markup).

import { api } from "./admin/common.js";
import { applyTexts, currentLang, initialLang, onLangChange, setLang, t } from "./i18n.js";
import { addHeaderLinks } from "./session.js";

const SECTIONS = new Set(["users", "sharing", "audit", "reports", "cameras", "import"]);
// Which sections a person's permissions open (the nav hides the others; the API still decides).
const NEEDS = {
  users: ["manage_users"],
  sharing: ["manage_sharing"],
  audit: ["view_audit"],
  reports: ["manage_cameras", "view_audit"],
  cameras: ["manage_cameras"],
  import: ["manage_cameras"],
};
const opens = (name) => (NEEDS[name] || []).some((p) => (me.permissions || []).includes(p));
const $ = (sel) => document.querySelector(sel);
let me = null;
let current = null;

function say(text, kind = "error") {
  const box = $("#admin-message");
  box.textContent = text || "";
  box.className = `admin-message ${text ? kind : ""}`;
}

async function show(name) {
  if (!SECTIONS.has(name) || !opens(name)) name = [...SECTIONS].find(opens) || "reports";
  current = name;
  for (const b of document.querySelectorAll("#admin-nav [data-section]")) {
    if (b.dataset.section === name) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
  say("");
  const container = $("#admin-section");
  container.replaceChildren();
  container.dataset.section = name;
  delete container.dataset.ready;
  delete document.body.dataset.ready;
  try {
    const mod = await import(`./admin/${name}.js`);
    const ctx = { me, say, t, api, lang: currentLang, onLang: () => {} };
    await mod.render(container, ctx);
    applyTexts(container);
    container.dataset.ready = "true";
    document.body.dataset.ready = name;
  } catch (err) {
    say(t("admin.load_failed", { what: err.message }));
  }
}

// A node cut off from the site's Redis still serves (readyz stays 200) but says `degraded`:
// the administrators see it at once, on every section, until it clears.
const SITE_POLL_MS = 5000;
async function watchSite() {
  const banner = $("#site-state");
  try {
    const r = await fetch("/readyz", { cache: "no-store" });
    const body = await r.json();
    banner.hidden = body.degraded !== true;
  } catch {
    banner.hidden = true; // the server itself is away: the sections say so when they fail
  }
  banner.dataset.state = banner.hidden ? "ok" : "degraded";
  setTimeout(watchSite, SITE_POLL_MS);
}

async function main() {
  await setLang(initialLang());
  const resp = await fetch("/api/v1/auth/me", { credentials: "same-origin" });
  if (resp.status === 401) {
    window.location.assign("/"); // the wall's sign-in form; come back after signing in
    return;
  }
  me = await resp.json();
  $("#user-slot").textContent = `${me.display_name || me.username} · ${me.agency_name}`;
  addHeaderLinks($("#user-slot"), me);
  for (const b of document.querySelectorAll("#admin-nav [data-section]")) {
    b.hidden = !opens(b.dataset.section); // a click changes the hash: hashchange shows it
  }
  const coverage = document.querySelector('#admin-nav a[href="/coverage"]');
  if (coverage) coverage.hidden = !(me.permissions || []).includes("view_coverage");
  for (const b of document.querySelectorAll("#lang-switch [data-lang]")) {
    b.addEventListener("click", () => setLang(b.dataset.lang));
  }
  watchSite();
  onLangChange(() => current && show(current));
  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  await show(location.hash.slice(1));
}

main();
