// Helpers the administration sections share: building elements (text only, never markup),
// calling the API with the session cookie, and tables.

import { t } from "../i18n.js";

const BASE = "/api/v1";

/** An element: el("td", {className: "num"}, "12") — children are nodes or text. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k in node && typeof v !== "string") node[k] = v;
    else if (k === "className" || k === "textContent" || k === "value") node[k] = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** An error a clerk can read: the server's explanation with what it means. */
export class AdminError extends Error {
  constructor(status, detail) {
    const words = {
      401: t("admin.err.401"),
      403: t("admin.err.403"),
      404: t("admin.err.404"),
      409: t("admin.err.409"),
      422: t("admin.err.422"),
      413: t("admin.err.413"),
      429: t("admin.err.429"),
    }[status] || t("admin.err.other");
    super(detail ? `${words} (${detail})` : words);
    this.status = status;
  }
}

function detailOf(data) {
  if (!data) return "";
  if (typeof data.detail === "string") return data.detail;
  if (Array.isArray(data.detail)) {
    return data.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
  }
  return "";
}

/** Call the API; JSON in and out. Throws AdminError with the server's reason. */
export async function api(method, path, body) {
  const headers = { Accept: "application/json", "X-VMS-CSRF": "1" };
  const init = { method, headers, credentials: "same-origin" };
  if (body instanceof FormData) {
    init.body = body; // multipart: the browser sets the boundary
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(BASE + path, init);
  } catch {
    throw new AdminError(0, t("admin.err.network"));
  }
  if (resp.status === 204) return null;
  const data = await resp.json().catch(() => null);
  if (!resp.ok) {
    const err = new AdminError(resp.status, detailOf(data));
    err.body = data; // the whole answer (an import's per-row report rides on a 422)
    throw err;
  }
  return data;
}

/** `?a=1&b=2` of the non-empty values. */
export function query(params) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : "";
}

/** A table: headers are i18n keys, rows are arrays of cells (nodes or text). */
export function table(id, headerKeys, rows) {
  const head = el("tr", {}, headerKeys.map((k) => el("th", { scope: "col" }, t(k))));
  const body = rows.map((cells) => (cells instanceof Node ? cells : el("tr", {}, cells.map((c) => (c instanceof Node && c.tagName === "TD" ? c : el("td", {}, c))))));
  if (!rows.length) body.push(el("tr", {}, el("td", { colSpan: headerKeys.length }, t("admin.none"))));
  return el("table", { id }, el("thead", {}, head), el("tbody", {}, body));
}

/** A labelled form control. */
export function field(key, control) {
  return el("label", {}, t(key), control);
}

/** A table with a header row of `headers` (texts) and one row per item from `cells(item)`. */
export function itemTable(id, headers, items, cells, rowAttrs = () => ({})) {
  return el(
    "table",
    { id, class: "admin-table" },
    el("thead", {}, el("tr", {}, ...headers.map((text) => el("th", { scope: "col" }, text)))),
    el("tbody", {}, ...items.map((item) => el("tr", rowAttrs(item), ...cells(item).map((c) => el("td", {}, c))))),
  );
}

/** `label` (a text) around `control`, for form grids. */
export function labelled(label, control, className) {
  return el("label", { class: className }, el("span", {}, label), control);
}

/** A time for people: local date and time. */
export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

/** Agencies by id (the names an administrator sees). */
export async function agencyNames() {
  const page = await api("GET", "/agencies?limit=1000");
  const items = Array.isArray(page) ? page : page.items || [];
  return new Map(items.map((a) => [a.id, a.name_th || a.name_en || a.code]));
}

/** A random password of 16 letters and digits (shown once to the administrator). */
export function randomPassword() {
  const abc = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => abc[b % abc.length]).join("");
}
