// Sharing agreements: what my agency shares with whom (one camera, a tag or every camera; the
// level; daily hours; expiry) and what others share with us. Grant and revoke take effect at
// once (running views that relied on a revoked agreement end within a second).

import { t } from "../i18n.js";
import { api, agencyNames, el, field, query, table, when } from "./common.js";

const LEVELS = ["live", "recordings", "control", "export"];

export async function render(container, { me, say }) {
  const [grants, names, page] = await Promise.all([
    api("GET", "/grants"),
    agencyNames(),
    api("GET", `/cameras${query({ agency_id: me.agency_id, state: "active", limit: 500 })}`),
  ]);
  const cameras = page.items || [];
  const cameraCode = new Map(cameras.map((c) => [c.id, `${c.code} ${c.name_th || c.name_en || ""}`.trim()]));
  const target = (g) =>
    g.camera_id ? t("sharing.camera", { camera: cameraCode.get(g.camera_id) || `#${g.camera_id}` })
      : g.tag ? t("sharing.tag", { tag: g.tag }) : t("sharing.all");
  const hours = (g) => (g.hours_start ? `${g.hours_start}–${g.hours_end}` : t("sharing.all_day"));
  const agency = (id) => (id === null ? t("sharing.every_agency") : names.get(id) || `#${id}`);
  const rerender = async () => {
    container.replaceChildren();
    await render(container, { me, say });
  };

  const given = grants.filter((g) => g.owner_agency_id === me.agency_id);
  const received = grants.filter((g) => g.grantee_agency_id === me.agency_id);
  const givenRows = given.map((g) => {
    const revoke = el("button", { type: "button" }, t("sharing.revoke"));
    revoke.addEventListener("click", async () => {
      try {
        await api("DELETE", `/grants/${g.id}`);
        await rerender();
        say(t("sharing.revoked"), "ok");
      } catch (err) {
        say(err.message);
      }
    });
    return el("tr", { dataset: { grantId: g.id, grantee: g.grantee_agency_id, camera: g.camera_id ?? "" } },
      el("td", {}, agency(g.grantee_agency_id)), el("td", {}, target(g)), el("td", {}, t(`level.${g.level}`)),
      el("td", {}, hours(g)), el("td", {}, g.expires_at ? when(g.expires_at) : t("sharing.no_expiry")),
      el("td", {}, g.note), el("td", {}, revoke));
  });
  const receivedRows = received.map((g) => [
    agency(g.owner_agency_id), g.camera_id ? `#${g.camera_id}` : g.tag ? t("sharing.tag", { tag: g.tag }) : t("sharing.all"),
    t(`level.${g.level}`), hours(g), g.expires_at ? when(g.expires_at) : t("sharing.no_expiry"),
  ]);

  const grantee = el("select", { id: "grant-grantee", required: true },
    el("option", { value: "" }, t("sharing.choose_agency")),
    [...names].filter(([id]) => id !== me.agency_id).sort((a, b) => a[1].localeCompare(b[1]))
      .map(([id, name]) => el("option", { value: id }, name)));
  const kind = el("select", { id: "grant-kind" },
    ["cameras", "tag", "all"].map((k) => el("option", { value: k }, t(`sharing.kind_${k}`))));
  const cameraList = el("select", { id: "grant-cameras", multiple: true, size: Math.min(8, Math.max(3, cameras.length)) },
    cameras.map((c) => el("option", { value: c.id }, cameraCode.get(c.id))));
  const tag = el("input", { id: "grant-tag", maxLength: 64 });
  const level = el("select", { id: "grant-level" }, LEVELS.map((l) => el("option", { value: l }, t(`level.${l}`))));
  const from = el("input", { id: "grant-from", type: "time" });
  const until = el("input", { id: "grant-until", type: "time" });
  const expires = el("input", { id: "grant-expires", type: "date" });
  const note = el("input", { id: "grant-note", maxLength: 500 });
  const sync = () => {
    cameraList.closest("label").hidden = kind.value !== "cameras";
    tag.closest("label").hidden = kind.value !== "tag";
  };
  kind.addEventListener("change", sync);
  const form = el("form", { className: "row", id: "grant-create" },
    field("sharing.with", grantee), field("sharing.what", kind), field("sharing.cameras", cameraList),
    field("sharing.tag_name", tag), field("sharing.level", level), field("sharing.from", from),
    field("sharing.until", until), field("sharing.expires", expires), field("sharing.note", note),
    el("button", { type: "submit" }, t("sharing.grant")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!grantee.value) return say(t("sharing.choose_agency"));
    if ((from.value && !until.value) || (!from.value && until.value)) return say(t("sharing.both_hours"));
    const base = {
      owner_agency_id: me.agency_id, grantee_agency_id: Number(grantee.value), level: level.value,
      hours_start: from.value || null, hours_end: until.value || null, note: note.value.trim(),
      expires_at: expires.value ? new Date(`${expires.value}T23:59:59`).toISOString() : null,
    };
    let bodies = [base];
    if (kind.value === "cameras") {
      const ids = [...cameraList.selectedOptions].map((o) => Number(o.value));
      if (!ids.length) return say(t("sharing.choose_cameras"));
      bodies = ids.map((camera_id) => ({ ...base, camera_id }));
    } else if (kind.value === "tag") {
      if (!tag.value.trim()) return say(t("sharing.give_tag"));
      bodies = [{ ...base, tag: tag.value.trim() }];
    }
    try {
      for (const body of bodies) await api("POST", "/grants", body);
      await rerender();
      say(t("sharing.granted", { n: bodies.length, agency: names.get(base.grantee_agency_id) }), "ok");
    } catch (err) {
      say(err.message);
    }
  });

  container.append(
    el("h2", {}, t("sharing.we_share")),
    table("grants-given", ["sharing.with", "sharing.what", "sharing.level", "sharing.hours", "sharing.expires", "sharing.note", "users.actions"], givenRows),
    el("h3", {}, t("sharing.new")),
    form,
    el("h2", {}, t("sharing.shared_with_us")),
    table("grants-received", ["sharing.from_agency", "sharing.what", "sharing.level", "sharing.hours", "sharing.expires"], receivedRows),
  );
  sync();
}
