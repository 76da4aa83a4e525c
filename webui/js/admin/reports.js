// Reports: the day's uptime ("camera check") per agency, read on screen and downloaded as PDF
// or XLSX (Thai); and the national 20 % selection (how many cameras are central-linked against
// the target, which to add, linked from here in one click). The server decides whose agencies
// the caller may read and whose cameras they may link.

import { t } from "../i18n.js";
import { api, agencyNames, el, field, query, table } from "./common.js";

// The date (YYYY-MM-DD) of the moment `iso` in `timeZone`: the report's day is the site's.
const dayIn = (iso, timeZone) => new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date(iso));
const pct = (f) => (f.availability_pct === null ? "–" : `${f.availability_pct.toFixed(1)} %`);
const minutes = (s) => `${Math.round(s / 60)}`;

export async function render(container, { me, say }) {
  const wide = me.role === "system_admin" || me.role === "supervisor"; // every agency's report
  const names = wide ? await agencyNames() : new Map();
  // empty until the first answer: asked with no day, the server answers for the site's today
  const day = el("input", { id: "report-day", type: "date", required: true });
  const agency = el("select", { id: "report-agency", hidden: !wide },
    el("option", { value: "" }, t("reports.all_agencies")),
    [...names].map(([id, name]) => el("option", { value: id }, name)));
  const pdf = el("a", { id: "report-pdf", className: "button" }, t("reports.pdf"));
  const xlsx = el("a", { id: "report-xlsx", className: "button" }, t("reports.xlsx"));
  const summary = el("div", { id: "report-summary" });
  const params = () => ({ day: day.value, agency_id: agency.value });
  const refresh = async () => {
    try {
      const r = await api("GET", `/reports/uptime${query(params())}`);
      if (!day.value) day.value = dayIn(r.start, r.timezone); // the site's today
      const base = `/api/v1/reports/uptime${query(params())}`;
      pdf.href = `${base}&format=pdf`;
      pdf.download = `uptime-${day.value}.pdf`;
      xlsx.href = `${base}&format=xlsx`;
      xlsx.download = `uptime-${day.value}.xlsx`;
      // outage times in the site's time zone, named, as the day is the site's
      const at = (iso) => new Date(iso).toLocaleString(undefined, { timeZone: r.timezone, timeZoneName: "short" });
      summary.replaceChildren(
        el("p", {}, t("reports.site", { pct: pct(r.figures) })),
        table("report-agencies", ["reports.agency", "reports.streams", "reports.up", "reports.down_min"],
          r.agencies.map((a) => [a.name_th || a.name_en || a.code, String(a.streams.length), pct(a.figures), minutes(a.figures.down_s)])),
        el("h3", {}, t("reports.longest")),
        table("report-outages", ["reports.camera", "reports.from", "reports.minutes", "reports.cause"],
          r.agencies.flatMap((a) => a.longest_outages).sort((x, y) => y.seconds - x.seconds).slice(0, 10)
            .map((o) => [o.camera_code, at(o.start), minutes(o.seconds), t(`cause.${o.cause}`)])),
      );
      say("");
    } catch (err) {
      say(err.message);
    }
  };
  const selection = el("div", { id: "selection" });
  const refreshSelection = async () => {
    try {
      const r = await api("GET", `/reports/central-link${query({ agency_id: agency.value })}`);
      const share = (x) => (x.pct === null ? "–" : `${x.pct.toFixed(1)} %`);
      const link = (s) => el("button", {
        type: "button", className: "link-camera", dataset: { camera: String(s.camera_id) },
        onclick: async () => {
          try {
            await api("PATCH", `/cameras/${s.camera_id}`, { central_link: true });
            await refreshSelection();
          } catch (err) {
            say(err.message);
          }
        },
      }, t("selection.link"));
      const suggestions = r.agencies.flatMap((a) => a.suggestions.map((s) => [
        s.code, s.name, a.name_th || a.name_en || a.code,
        s.availability_pct === null ? "–" : `${s.availability_pct.toFixed(1)} %`,
        s.nearest_linked_m === null ? "–" : `${s.nearest_linked_m} m`, el("td", {}, link(s)),
      ]));
      selection.replaceChildren(
        el("h3", {}, t("selection.title")),
        el("p", { className: "hint" }, t("selection.explain", { target: r.target_pct, days: r.days })),
        el("p", { id: "selection-site" }, t("selection.site", {
          linked: r.linked, cameras: r.cameras, pct: share(r), target: r.target_pct, needed: r.needed,
        })),
        table("selection-agencies", ["reports.agency", "selection.cameras", "selection.linked", "selection.share", "selection.needed"],
          r.agencies.map((a) => [a.name_th || a.name_en || a.code, String(a.cameras), String(a.linked), share(a), String(a.needed)])),
        el("h3", {}, t("selection.suggested")),
        table("selection-suggestions", ["reports.camera", "selection.name", "reports.agency", "selection.availability", "selection.distance", "selection.action"], suggestions),
      );
    } catch (err) {
      say(err.message);
    }
  };
  day.addEventListener("change", refresh);
  agency.addEventListener("change", refresh);
  agency.addEventListener("change", refreshSelection);
  const controls = el("form", { className: "row", id: "report-form" }, field("reports.day", day),
    wide ? field("reports.agency", agency) : null, pdf, xlsx);
  controls.addEventListener("submit", (ev) => ev.preventDefault());
  container.append(el("h2", {}, t("reports.title")), el("p", { className: "hint" }, t("reports.explain")), controls, summary, selection);
  await refresh();
  await refreshSelection();
}
