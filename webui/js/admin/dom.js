// Small DOM helpers for the administration sections: elements built with text only.

/** h("button", {type: "button", id: "x"}, "text", child...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A table with a header row from `headers` (texts) and one row per item from `cells(item)`. */
export function table(id, headers, items, cells, rowAttrs = () => ({})) {
  return h(
    "table",
    { id, class: "admin-table" },
    h("thead", {}, h("tr", {}, ...headers.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, ...items.map((item) => h("tr", rowAttrs(item), ...cells(item).map((c) => h("td", {}, c))))),
  );
}

/** `label` around `control`, for form grids. */
export function field(label, control, className) {
  return h("label", { class: className }, h("span", {}, label), control);
}
