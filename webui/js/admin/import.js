// Import / export section: upload a CSV/XLSX -> the columns as the server read them, with a
// choice for each unknown one (field, tags, notes or ignore) and an agency for each unknown
// agency name -> dry run (errors by row and column, warnings, the diff) -> apply. Dry run and
// apply run as import jobs whose progress is polled. The server remembers the choices for the
// agency once applied. Export downloads the agency's inventory in the same format.

import { el as h, itemTable as table, labelled as field } from "./common.js";

const POLL_MS = 400;
const FIELD_TARGETS = [
  "name_th", "name_en", "address", "district", "subdistrict", "model", "resolution",
  "install_date", "latitude", "longitude", "coordinates", "main_url", "sub_url", "state",
  "central_link", "agency",
];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function render(section, ctx) {
  const { t, api, say, me } = ctx;
  const global = me.role === "system_admin";
  const scope = global ? null : me.agency_id;
  const state = { file: null, report: null, result: null, dryRunOk: false, agencies: [] };

  const fileInput = h("input", { type: "file", id: "import-file", accept: ".csv,.xlsx,.xlsm,.txt" });
  const readBtn = h("button", { type: "button", id: "btn-read", dataset: { i18n: "import.read" } }, t("import.read"));
  const dryBtn = h("button", { type: "button", id: "btn-dry-run", disabled: true, dataset: { i18n: "import.dry_run" } }, t("import.dry_run"));
  const applyBtn = h("button", { type: "button", id: "btn-apply", disabled: true, dataset: { i18n: "import.apply" } }, t("import.apply"));
  const progress = h("progress", { id: "import-progress", max: "1", value: "0", hidden: true });
  const progressText = h("span", { id: "import-progress-text", role: "status", "aria-live": "polite" });
  const columnsBox = h("div", { id: "import-columns" });
  const resultBox = h("div", { id: "import-result" });
  const steps = h("ol", { class: "steps", "aria-label": t("import.steps") },
    ...["import.step.upload", "import.step.columns", "import.step.dry_run", "import.step.apply"]
      .map((k, i) => h("li", { dataset: { step: String(i), i18n: k } }, t(k))));  // prettier-ignore
  const exportQuery = scope ? `&agency_id=${scope}` : "";
  const exports = h("p", { class: "toolbar" }, h("span", { class: "muted", dataset: { i18n: "import.export" } }, t("import.export")),
    h("a", { id: "export-csv", href: `/api/v1/cameras/export?format=csv${exportQuery}`, download: "" }, "CSV"),
    h("a", { id: "export-xlsx", href: `/api/v1/cameras/export?format=xlsx${exportQuery}`, download: "" }, "XLSX"));  // prettier-ignore

  section.append(
    steps,
    h("p", { class: "muted", dataset: { i18n: "import.help" } }, t("import.help")),
    h("div", { class: "toolbar" }, field(t("import.file"), fileInput), readBtn),
    columnsBox,
    h("div", { class: "toolbar" }, dryBtn, applyBtn, progress, progressText),
    resultBox,
    exports,
  );

  const setStep = (n) => {
    for (const li of steps.children) li.toggleAttribute("aria-current", Number(li.dataset.step) === n);
    for (const li of steps.children) if (Number(li.dataset.step) === n) li.setAttribute("aria-current", "step");
  };
  setStep(0);

  try {
    const page = await api("GET", "/agencies?limit=1000");
    state.agencies = (page.items || []).filter((a) => global || a.id === me.agency_id);
  } catch {
    state.agencies = [];
  }

  ctx.onLang(() => {
    if (!state.report) return;
    const chosen = mapping();
    renderColumns(state.report);
    for (const sel of columnsBox.querySelectorAll("select[data-header]")) {
      if (chosen.columns[sel.dataset.header]) sel.value = chosen.columns[sel.dataset.header];
    }
    for (const sel of columnsBox.querySelectorAll("select[data-agency-name]")) {
      const id = chosen.agencies[sel.dataset.agencyName];
      if (id) sel.value = String(id);
    }
    if (state.result) renderReport(state.result.report, state.result.applied);
  });

  function mapping() {
    const columns = {};
    for (const sel of columnsBox.querySelectorAll("select[data-header]")) {
      if (sel.value) columns[sel.dataset.header] = sel.value;
    }
    const agencies = {};
    for (const sel of columnsBox.querySelectorAll("select[data-agency-name]")) {
      if (sel.value) agencies[sel.dataset.agencyName] = Number(sel.value);
    }
    return { columns, agencies };
  }

  function form(dryRun) {
    const body = new FormData();
    body.append("file", state.file, state.file.name);
    body.append("dry_run", dryRun ? "true" : "false");
    body.append("mapping", JSON.stringify(mapping()));
    if (scope) body.append("agency_id", String(scope));
    return body;
  }

  function targetLabel(target) {
    return target ? t(`import.target.${target}`) : t("import.target.unknown");
  }

  function columnChoice(use) {
    const choices = ["notes", "tags", "ignore", ...FIELD_TARGETS];
    const select = h("select", { dataset: { header: use.header }, "aria-label": t("import.map_column", { header: use.header }) },
      ...choices.map((c) => h("option", { value: c }, targetLabel(c))));  // prettier-ignore
    select.value = use.target || "notes";
    select.addEventListener("change", () => {
      state.dryRunOk = false;
      applyBtn.disabled = true;
    });
    return select;
  }

  function renderColumns(report) {
    const rows = report.columns.map((use) => {
      const editable = use.source !== "alias";
      const shown = use.source === "unknown" ? h("strong", {}, t("import.unknown")) : targetLabel(use.target);
      return [use.header, shown, editable ? columnChoice(use) : h("span", { class: "muted" }, t("import.known"))];
    });
    const parts = [
      h("h3", {}, t("import.columns_title")),
      h("p", { class: "muted" }, report.unknown_columns.length
        ? t("import.unknown_count", { n: report.unknown_columns.length }) : t("import.all_known")),
      table("columns-table", [t("import.col.header"), t("import.col.read_as"), t("import.col.choice")], rows,
        (r) => r, (r) => ({ dataset: { header: r[0] } })),
    ];  // prettier-ignore
    if (report.unknown_agencies.length) {
      parts.push(h("h3", {}, t("import.agencies_title")));
      const arows = report.unknown_agencies.map((name) => {
        const sel = h("select", { dataset: { agencyName: name }, "aria-label": t("import.map_agency", { name }) },
          h("option", { value: "" }, t("import.choose_agency")),
          ...state.agencies.map((a) => h("option", { value: String(a.id) }, `${a.code} · ${a.name_th || a.name_en || ""}`)));  // prettier-ignore
        return [name, sel];
      });
      parts.push(table("agencies-table", [t("import.col.agency_name"), t("import.col.agency")], arows, (r) => r));
    }
    columnsBox.replaceChildren(...parts);
  }

  function change(c, f) {
    const show = (v) => (Array.isArray(v) ? v.join(", ") : v ?? "–");
    return c.action === "created" ? `${f.field}: ${show(f.new)}` : `${f.field}: ${show(f.old)} → ${show(f.new)}`;
  }

  function renderReport(report, applied) {
    state.result = { report, applied };
    const counts = h("div", { class: "counts", id: "import-counts" },
      h("span", { dataset: { count: "rows" } }, t("import.count.rows", { n: report.rows })),
      h("span", { dataset: { count: "created" } }, t("import.count.created", { n: report.created })),
      h("span", { dataset: { count: "updated" } }, t("import.count.updated", { n: report.updated })),
      h("span", { dataset: { count: "unchanged" } }, t("import.count.unchanged", { n: report.unchanged })),
      h("span", { dataset: { count: "failed" } }, t("import.count.failed", { n: report.failed_rows })));  // prettier-ignore
    const parts = [counts];
    if (report.errors.length) {
      parts.push(h("h3", {}, t("import.errors_title")),
        table("errors-table", [t("import.col.row"), t("import.col.column"), t("import.col.problem")],
          report.errors, (e) => [e.row ?? "", e.column ?? "", e.message], () => ({ class: "row-error" })));  // prettier-ignore
    }
    if (report.warnings.length) {
      parts.push(h("h3", {}, t("import.warnings_title")),
        table("warnings-table", [t("import.col.row"), t("import.col.column"), t("import.col.problem")],
          report.warnings, (e) => [e.row ?? "", e.column ?? "", e.message], () => ({ class: "row-warning" })));  // prettier-ignore
    }
    if (report.changes.length) {
      parts.push(h("h3", {}, t(applied ? "import.changes_applied" : "import.changes_title")),
        table("changes-table", [t("import.col.row"), t("import.col.code"), t("import.col.action"), t("import.col.fields")],
          report.changes.slice(0, 300),
          (c) => [c.row, c.code, t(`import.action.${c.action}`),
            c.changes.map((f) => change(c, f)).join("; ")]));  // prettier-ignore
    }
    resultBox.replaceChildren(...parts);
  }

  async function runJob(dryRun) {
    progress.hidden = false;
    progress.removeAttribute("value");
    progressText.textContent = t("import.working");
    let job = await api("POST", "/imports", form(dryRun));
    while (job.state === "queued" || job.state === "running") {
      if (job.total) {
        progress.max = job.total;
        progress.value = job.done;
        progressText.textContent = t("import.progress", { done: job.done, total: job.total });
      }
      await sleep(POLL_MS);
      job = await api("GET", `/imports/${encodeURIComponent(job.id)}`);
    }
    progress.hidden = true;
    progressText.textContent = "";
    if (job.state === "failed") throw new Error(job.error || t("import.failed"));
    return job.report;
  }

  readBtn.addEventListener("click", async () => {
    say("");
    state.file = fileInput.files[0] || null;
    if (!state.file) {
      say(t("import.choose_file"));
      fileInput.focus();
      return;
    }
    readBtn.disabled = true;
    columnsBox.replaceChildren(); // a new file starts from the remembered mapping only
    resultBox.replaceChildren();
    try {
      const report = await runJob(true);
      state.report = report;
      renderColumns(report);
      state.result = null;
      resultBox.replaceChildren();
      dryBtn.disabled = false;
      applyBtn.disabled = true;
      setStep(1);
      (columnsBox.querySelector("select") || dryBtn).focus();
    } catch (err) {
      say(err.message);
    } finally {
      readBtn.disabled = false;
    }
  });

  dryBtn.addEventListener("click", async () => {
    say("");
    dryBtn.disabled = true;
    try {
      const report = await runJob(true);
      renderReport(report, false);
      state.dryRunOk = report.errors.length === 0;
      applyBtn.disabled = !state.dryRunOk;
      setStep(2);
      if (state.dryRunOk) {
        say(t("import.dry_run_ok", { created: report.created, updated: report.updated }), "ok");
        applyBtn.focus();
      } else {
        say(t("import.dry_run_errors", { n: report.failed_rows }));
      }
    } catch (err) {
      say(err.message);
    } finally {
      dryBtn.disabled = false;
    }
  });

  applyBtn.addEventListener("click", async () => {
    say("");
    applyBtn.disabled = true;
    dryBtn.disabled = true;
    try {
      const report = await runJob(false);
      renderReport(report, true);
      setStep(3);
      if (report.applied) {
        say(t("import.applied", { created: report.created, updated: report.updated, unchanged: report.unchanged }), "ok");
      } else {
        say(t("import.dry_run_errors", { n: report.failed_rows }));
      }
    } catch (err) {
      say(err.message);
    } finally {
      dryBtn.disabled = false;
    }
  });
}
