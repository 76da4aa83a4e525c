// The administration shell: who is signed in, Thai/English texts, and a nav of sections.
// Each <a data-section="name"> opens <section data-section="name">, filled once by the module
// /ui/js/admin/<name>.js: export function mount(element, ctx) where ctx = {me, t, api,
// lang, onLang, say}. Sections the person's role cannot use (data-permission) are hidden.
// Everything a person or a file wrote is set as text, never parsed as markup.

const LANGS = ["th", "en"];
const $ = (sel) => document.querySelector(sel);
let texts = {};
let lang = "en";
const langListeners = new Set();
const mounted = new Map();

export function t(key, vars = {}) {
  const raw = Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
  return raw.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** JSON API call (FormData bodies as multipart); errors carry the server's words. */
export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (method !== "GET") init.headers["X-VMS-CSRF"] = "1";
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(`/api/v1${path}`, init);
  if (resp.status === 401) {
    window.location.assign("/"); // the wall asks for a password
    throw new ApiError(401, t("admin.signed_out"));
  }
  if (resp.status === 204) return null;
  const data = await resp.json().catch(() => null);
  if (!resp.ok) {
    const detail = data && typeof data.detail === "string" ? data.detail : resp.statusText;
    throw new ApiError(resp.status, explain(resp.status, detail), data);
  }
  return data;
}

function explain(status, detail) {
  if (status === 413) return t("admin.error.too_large", { detail });
  if (status === 403) return t("admin.error.forbidden", { detail });
  if (status === 404) return t("admin.error.not_found", { detail });
  return detail;
}

/** Show a message for the person: an error (default) or "ok". */
export function say(text, kind = "error") {
  const el = $("#admin-message");
  el.textContent = text || "";
  el.classList.toggle("ok", kind === "ok");
}

async function loadTexts(next) {
  const chosen = LANGS.includes(next) ? next : "en";
  const [base, admin] = await Promise.all(
    [`/ui/i18n/${chosen}.json`, `/ui/i18n/admin-${chosen}.json`].map((u) =>
      fetch(u).then((r) => (r.ok ? r.json() : {})),
    ),
  );
  texts = { ...base, ...admin };
  lang = chosen;
  localStorage.setItem("vms.lang", chosen);
  document.documentElement.lang = chosen;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
  for (const code of LANGS) $(`#lang-${code}`).setAttribute("aria-pressed", String(code === lang));
  for (const fn of langListeners) fn(lang);
}

function initialLang() {
  const saved = localStorage.getItem("vms.lang");
  if (saved && LANGS.includes(saved)) return saved;
  return (navigator.language || "").toLowerCase().startsWith("th") ? "th" : "en";
}

async function show(name, ctx) {
  const links = [...document.querySelectorAll("#admin-nav a[data-section]")].filter((a) => !a.hidden);
  const link = links.find((a) => a.dataset.section === name) || links[0];
  if (!link) {
    say(t("admin.no_sections"));
    return;
  }
  for (const a of links) a.toggleAttribute("aria-current", a === link);
  if (link.hasAttribute("aria-current")) link.setAttribute("aria-current", "page");
  for (const s of document.querySelectorAll("main section[data-section]")) {
    s.hidden = s.dataset.section !== link.dataset.section;
  }
  const section = document.querySelector(`main section[data-section="${link.dataset.section}"]`);
  if (!mounted.has(link.dataset.section)) {
    mounted.set(link.dataset.section, true);
    say("");
    try {
      const module = await import(`/ui/js/admin/${link.dataset.section}.js`);
      await module.mount(section, ctx);
    } catch (err) {
      say(err.message);
    }
  }
  section.dataset.ready = "true";
}

async function main() {
  await loadTexts(initialLang());
  for (const code of LANGS) $(`#lang-${code}`).addEventListener("click", () => loadTexts(code));
  let me;
  try {
    me = await api("GET", "/auth/me");
  } catch (err) {
    say(err.message);
    return;
  }
  $("#user-slot").textContent = [me.display_name || me.username, me.agency_name]
    .filter(Boolean)
    .join(" · ");
  const perms = new Set(me.permissions || []);
  for (const a of document.querySelectorAll("#admin-nav a[data-section]")) {
    a.hidden = Boolean(a.dataset.permission) && !perms.has(a.dataset.permission);
  }
  const ctx = { me, t, api, say, lang: () => lang, onLang: (fn) => langListeners.add(fn) };
  const route = () => show(window.location.hash.slice(1), ctx);
  window.addEventListener("hashchange", route);
  await route();
  document.body.dataset.ready = "true";
}

main();
