// Audit: who watched or steered our cameras and who changed what, searched by user, agency,
// camera and time; the same search as CSV; and the chain verification with its result. The
// server filters to what the caller may read (an agency administrator: their agency's).

import { t } from "../i18n.js";
import { api, agencyNames, el, field, query, table, when } from "./common.js";

export async function render(container, { me, say }) {
  const [names, users, page] = await Promise.all([
    agencyNames(),
    api("GET", "/users").catch(() => []),
    api("GET", `/cameras${query({ limit: 500 })}`).catch(() => ({ items: [] })),
  ]);
  const user = el("select", { id: "audit-user" }, el("option", { value: "" }, t("audit.anyone")),
    users.map((u) => el("option", { value: u.id }, u.username)));
  const agency = el("select", { id: "audit-agency" }, el("option", { value: "" }, t("audit.any_agency")),
    [...names].map(([id, name]) => el("option", { value: id }, name)));
  const camera = el("select", { id: "audit-camera" }, el("option", { value: "" }, t("audit.any_camera")),
    (page.items || []).map((c) => el("option", { value: c.id }, `${c.code} ${c.name_th || c.name_en || ""}`)));
  const action = el("input", { id: "audit-action", placeholder: "view.live, grant.create…", maxLength: 64 });
  const since = el("input", { id: "audit-since", type: "datetime-local" });
  const until = el("input", { id: "audit-until", type: "datetime-local" });
  const results = el("div", { id: "audit-results" });
  const csv = el("a", { id: "audit-csv", className: "button", href: "/api/v1/audit/export.csv", download: "audit.csv" }, t("audit.csv"));
  const verdict = el("p", { id: "audit-verify-result", role: "status" });

  const params = () => ({
    user_id: user.value, agency_id: agency.value, camera_id: camera.value, action: action.value.trim(),
    since: since.value ? new Date(since.value).toISOString() : "",
    until: until.value ? new Date(until.value).toISOString() : "",
  });
  const search = async () => {
    const q = params();
    csv.href = `/api/v1/audit/export.csv${query(q)}`;
    try {
      const recs = await api("GET", `/audit${query({ ...q, limit: 500 })}`);
      results.replaceChildren(
        el("p", {}, t("audit.count", { n: recs.length })),
        table("audit-table", ["audit.at", "audit.action", "audit.outcome", "audit.user", "audit.agency", "audit.camera", "audit.client"],
          recs.map((r) => [when(r.at), r.action, r.outcome, r.username || "", r.agency_id ? names.get(r.agency_id) || r.agency_id : "",
            r.camera_id ?? "", r.client_addr || ""])),
      );
      say("");
    } catch (err) {
      say(err.message);
    }
  };
  const form = el("form", { className: "row", id: "audit-search" },
    field("audit.user", user), field("audit.agency", agency), field("audit.camera", camera),
    field("audit.action", action), field("audit.since", since), field("audit.until", until),
    el("button", { type: "submit" }, t("audit.search")), csv);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    search();
  });
  const verify = el("button", { type: "button", id: "audit-verify" }, t("audit.verify"));
  verify.addEventListener("click", async () => {
    try {
      const r = await api("GET", "/audit/verify");
      verdict.className = r.ok ? "good" : "bad";
      verdict.textContent = r.ok ? t("audit.chain_ok", { n: r.checked })
        : t("audit.chain_broken", { seq: r.first_broken, reason: r.reason });
    } catch (err) {
      verdict.className = "";
      verdict.textContent = err.status === 403 ? t("audit.verify_not_yours") : err.message;
    }
  });
  container.append(el("h2", {}, t("audit.title")), form, results, el("h3", {}, t("audit.chain")), verify, verdict);
  await search();
}
