// Cameras section: the agency's cameras (a system administrator's: all) with search and a
// state filter; add by RTSP URLs or by the camera's ONVIF address (the server asks the camera
// for its stream URLs), edit, retire; credentials can be set or replaced but are
// never shown (the API only says whether they are set); live stream status, a snapshot on
// demand and the central-link flag.

import { el as h, itemTable as table, labelled as field } from "./common.js";

const EDITABLE = ["code", "name_th", "name_en", "onvif_url", "main_url", "sub_url", "address", "latitude", "longitude"];

export async function render(section, ctx) {
  const { t, api, say, me } = ctx;
  const global = me.role === "system_admin";
  const search = h("input", { type: "search", id: "cams-search", placeholder: t("cams.search"), "aria-label": t("cams.search") });
  const stateSel = h("select", { id: "cams-state", "aria-label": t("cams.state") },
    h("option", { value: "" }, t("cams.all_states")),
    ...["active", "proposed", "retired"].map((s) => h("option", { value: s }, t(`cams.state.${s}`))));  // prettier-ignore
  const addBtn = h("button", { type: "button", id: "btn-add-camera" }, t("cams.add"));
  const count = h("p", { class: "muted", id: "cams-count", role: "status" });
  const formBox = h("div", { id: "camera-form-box" });
  const listBox = h("div", { id: "cams-list" });
  const snapBox = h("div", { id: "snapshot-box", "aria-live": "polite" });
  section.append(h("div", { class: "toolbar" }, search, stateSel, addBtn), count, formBox, snapBox, listBox);

  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  stateSel.addEventListener("change", refresh);
  ctx.onLang(() => {
    search.placeholder = t("cams.search");
    stateSel.options[0].textContent = t("cams.all_states");
    for (const opt of [...stateSel.options].slice(1)) opt.textContent = t(`cams.state.${opt.value}`);
    addBtn.textContent = t("cams.add");
    formBox.replaceChildren();
    refresh();
  });
  addBtn.addEventListener("click", () => openForm(null));

  async function refresh() {
    const params = new URLSearchParams({ limit: "500" });
    if (!global) params.set("agency_id", String(me.agency_id));
    if (search.value.trim()) params.set("q", search.value.trim());
    if (stateSel.value) params.set("state", stateSel.value);
    try {
      const page = await api("GET", `/cameras?${params}`);
      count.textContent = t("cams.count", { n: page.items.length, total: page.total });
      listBox.replaceChildren(render(page.items));
    } catch (err) {
      say(err.message);
    }
  }

  function render(items) {
    return table(
      "cams-table",
      ["cams.col.code", "cams.col.name", "cams.col.state", "cams.col.stream", "cams.col.central", "cams.col.credentials", "cams.col.actions"].map((k) => t(k)),
      items,
      (cam) => {
        const stream = (cam.streams && cam.streams.main && cam.streams.main.state) || "unknown";
        return [
          cam.code,
          [cam.name_th, cam.name_en].filter(Boolean).join(" · "),
          t(`cams.state.${cam.state}`),
          h("span", { class: `state-${stream}` }, t(`cams.stream.${stream}`)),
          cam.central_link ? t("cams.central_yes") : t("cams.central_no"),
          cam.has_credentials ? t("cams.cred_set") : t("cams.cred_none"),
          h("span", { class: "toolbar" },
            h("button", { type: "button", dataset: { action: "edit" }, onclick: () => openForm(cam) }, t("cams.edit")),
            h("button", { type: "button", dataset: { action: "snapshot" }, onclick: () => snapshot(cam) }, t("cams.snapshot")),
            cam.state === "retired" ? null
              : h("button", { type: "button", dataset: { action: "retire" }, onclick: () => retire(cam) }, t("cams.retire"))),  // prettier-ignore
        ];
      },
      (cam) => ({ dataset: { code: cam.code, id: String(cam.id) } }),
    );
  }

  function openForm(cam) {
    const inputs = {};
    for (const name of EDITABLE) {
      const type = name === "latitude" || name === "longitude" ? "text" : name.endsWith("url") ? "url" : "text";
      inputs[name] = h("input", { type, name, id: `cam-${name}`, inputmode: type === "text" && name.startsWith("l") ? "decimal" : null });
      if (cam && cam[name] !== null && cam[name] !== undefined) inputs[name].value = String(cam[name]);
    }
    if (cam) inputs.code.readOnly = true;
    inputs.tags = h("input", { type: "text", name: "tags", id: "cam-tags", value: cam ? cam.tags.join(", ") : "" });
    inputs.username = h("input", { type: "text", name: "username", id: "cam-username", autocomplete: "off" });
    // never filled in: the server does not give the password back, and the field stays empty
    inputs.password = h("input", { type: "password", name: "password", id: "cam-password", autocomplete: "new-password",
      placeholder: cam && cam.has_credentials ? t("cams.f.password_keep") : "" });  // prettier-ignore
    inputs.central = h("input", { type: "checkbox", name: "central_link", id: "cam-central" });
    inputs.central.checked = Boolean(cam && cam.central_link);
    const save = h("button", { type: "submit", id: "btn-save-camera" }, t("cams.save"));
    const cancel = h("button", { type: "button", onclick: () => formBox.replaceChildren() }, t("cams.cancel"));
    const form = h("form", { class: "admin-form", id: "camera-form", novalidate: true },
      h("h3", {}, cam ? t("cams.form_edit", { code: cam.code }) : t("cams.form_new")),
      h("div", { class: "form-grid" },
        ...EDITABLE.map((n) => field(t(`cams.f.${n}`), inputs[n])),
        field(t("cams.f.tags"), inputs.tags),
        field(t("cams.f.username"), inputs.username),
        field(t("cams.f.password"), inputs.password),
        field(t("cams.f.central"), inputs.central, "check")),
      h("div", { class: "toolbar" }, save, cancel));  // prettier-ignore
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = {};
      for (const name of EDITABLE) {
        if (cam && name === "code") continue;
        const value = inputs[name].value.trim();
        const old = cam && cam[name] !== null && cam[name] !== undefined ? String(cam[name]) : "";
        if (!cam ? value : value !== old) body[name] = value === "" ? null : value;
      }
      if (!cam) body.agency_id = me.agency_id;
      body.tags = inputs.tags.value.split(",").map((s) => s.trim()).filter(Boolean);
      body.central_link = inputs.central.checked;
      const user = inputs.username.value.trim();
      const pass = inputs.password.value;
      if (user || pass) {
        if (!user || !pass) {
          say(t("cams.password_pair"));
          (user ? inputs.password : inputs.username).focus();
          return;
        }
        body.username = user;
        body.password = pass;
      }
      // a new camera with an ONVIF address and no stream URL: the camera says its streams
      const byOnvif = !cam && body.onvif_url && !body.main_url;
      try {
        const saved = cam
          ? await api("PATCH", `/cameras/${cam.id}`, body)
          : await api("POST", byOnvif ? "/cameras/onvif" : "/cameras", body);
        formBox.replaceChildren();
        say(t("cams.saved", { code: saved.code }), "ok");
        await refresh();
      } catch (err) {
        say(err.message);
      }
    });
    formBox.replaceChildren(form);
    (cam ? inputs.name_th : inputs.code).focus();
  }

  async function retire(cam) {
    if (!window.confirm(t("cams.confirm_retire", { code: cam.code }))) return;
    try {
      await api("DELETE", `/cameras/${cam.id}`);
      say(t("cams.retired", { code: cam.code }), "ok");
      await refresh();
    } catch (err) {
      say(err.message);
    }
  }

  async function snapshot(cam) {
    const resp = await fetch(`/api/v1/cameras/${cam.id}/snapshot.jpg?width=320`, { credentials: "same-origin" });
    if (!resp.ok) {
      const data = await resp.json().catch(() => null);
      snapBox.replaceChildren(h("p", { class: "muted" }, t("cams.no_snapshot", { detail: (data && data.detail) || resp.status })));
      return;
    }
    const url = URL.createObjectURL(await resp.blob());
    snapBox.replaceChildren(h("img", { class: "snapshot", src: url, alt: `${cam.code}` }));
  }

  await refresh();
}
