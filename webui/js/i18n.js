// Interface text in Thai and English. Static text carries data-i18n="key" (textContent),
// data-i18n-title / data-i18n-placeholder / data-i18n-aria for attributes. Text is never HTML.

const LANGS = ["th", "en"];
let lang = "en";
let texts = {};
const listeners = new Set();

export function currentLang() {
  return lang;
}

/** The text for `key`, with {name} placeholders filled from `vars`; the key itself if unknown. */
export function t(key, vars = {}) {
  const raw = Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
  return raw.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

export function applyTexts(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
}

/** Load a language and re-label the page; remembered for the next visit. */
export async function setLang(next) {
  const chosen = LANGS.includes(next) ? next : "en";
  const resp = await fetch(`/ui/i18n/${chosen}.json`);
  texts = await resp.json();
  lang = chosen;
  localStorage.setItem("vms.lang", chosen);
  document.documentElement.lang = chosen;
  applyTexts();
  for (const fn of listeners) fn(chosen);
}

export function onLangChange(fn) {
  listeners.add(fn);
}

export function initialLang() {
  const saved = localStorage.getItem("vms.lang");
  if (saved && LANGS.includes(saved)) return saved;
  return (navigator.language || "").toLowerCase().startsWith("th") ? "th" : "en";
}

/** A camera's name in the interface language, falling back to the other one, then the code. */
export function cameraName(cam) {
  if (!cam) return "";
  const th = cam.name_th || "";
  const en = cam.name_en || "";
  return (lang === "th" ? th || en : en || th) || cam.name || cam.code || String(cam.id);
}
