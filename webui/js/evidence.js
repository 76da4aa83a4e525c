// Data-use requests: a desk officer files one (cameras, range, case number, legal basis,
// reason); an owning agency's administrator approves or rejects; the requester downloads the
// signed export; the approver releases the evidence lock when the case no longer needs it. The server decides who may do what; its refusals are shown as text.

import { call } from "./api.js";

const $ = (sel) => document.querySelector(sel);
const cameraNames = new Map();

function say(text, kind = "error") {
  const box = $("#ev-message");
  box.textContent = text;
  box.dataset.kind = kind;
}

function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

async function loadCameras() {
  const page = await call("GET", "/cameras?limit=500&state=active");
  const rows = page.items.map((c) => {
    const name = c.name_th || c.name_en || c.code;
    cameraNames.set(c.id, name);
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox";
    input.name = "ev-camera";
    input.value = String(c.id);
    label.append(input, ` ${name} (${c.code})`);
    return label;
  });
  $("#ev-cameras").replaceChildren(...rows);
}

function cell(text, state) {
  const td = document.createElement("td");
  td.textContent = text;
  if (state) td.dataset.state = state;
  return td;
}

function button(text, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.addEventListener("click", onClick);
  return b;
}

function exportText(req) {
  const ex = req.export;
  if (ex.state === "ready") return `ready, ${ex.bytes} bytes, until ${new Date(ex.expires_at).toLocaleString()}`;
  if (ex.state === "failed") return `failed: ${ex.error}`;
  if (req.state === "pending") return `needs ${req.approvals_needed.join(", ")}`;
  return ex.state;
}

function lockText(req) {
  if (req.locks.length) return `locked: ${req.locks.length} camera stream(s)`;
  if (req.state === "pending" || req.state === "rejected") return "—";
  return "released";
}

function row(req) {
  const tr = document.createElement("tr");
  tr.dataset.id = String(req.id);
  const cams = req.cameras.map((c) => cameraNames.get(c.camera_id) || `#${c.camera_id}`);
  const range = `${new Date(req.start).toLocaleString()} – ${new Date(req.end).toLocaleTimeString()}`;
  const actions = document.createElement("td");
  if (req.can_decide) {
    actions.append(
      button("Approve", act(() => call("POST", `/data-requests/${req.id}/approve`))),
      button(
        "Reject",
        act(() => {
          const reason = window.prompt("Reason for rejecting");
          if (!reason) return Promise.resolve();
          return call("POST", `/data-requests/${req.id}/reject`, { reason });
        }),
      ),
    );
  }
  if (req.can_release) {
    actions.append(
      button(
        "Release lock",
        act(() => {
          const reason = window.prompt("Why may this footage be deleted by retention now?");
          if (!reason) return Promise.resolve();
          return call("POST", `/data-requests/${req.id}/release`, { reason });
        }),
      ),
    );
  }
  if (req.export.download) {
    const a = document.createElement("a");
    a.href = req.export.download;
    a.textContent = "Download";
    a.className = "download";
    a.setAttribute("download", "");
    actions.append(a);
  }
  tr.append(
    cell(String(req.id)),
    cell(`${req.case_number} (${req.legal_basis})`),
    cell(cams.join(", ")),
    cell(range),
    cell(req.state, req.state),
    cell(exportText(req)),
    cell(lockText(req), req.locks.length ? "locked" : undefined),
    actions,
  );
  return tr;
}

async function refresh() {
  const page = await call("GET", "/data-requests");
  $("#ev-list tbody").replaceChildren(...page.items.map(row));
}

function act(fn) {
  return async (event) => {
    if (event) event.preventDefault();
    say("");
    try {
      await fn();
      await refresh();
    } catch (err) {
      say(err.message);
    }
  };
}

function iso(value) {
  return value ? new Date(value).toISOString() : value;
}

async function submit() {
  const cameras = [...document.querySelectorAll('input[name="ev-camera"]:checked')].map((i) =>
    Number(i.value),
  );
  await call("POST", "/data-requests", {
    cameras,
    stream: $("#ev-stream").value,
    start: iso($("#ev-start").value),
    end: iso($("#ev-end").value),
    case_number: $("#ev-case").value,
    legal_basis: $("#ev-basis").value,
    reason: $("#ev-reason").value,
  });
  say("Request sent; the owning agency decides.", "ok");
}

async function main() {
  const now = new Date();
  $("#ev-end").value = localInput(new Date(now.getTime() - 60_000));
  $("#ev-start").value = localInput(new Date(now.getTime() - 11 * 60_000));
  $("#ev-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await submit();
      await refresh();
    } catch (err) {
      say(err.message);
    }
  });
  try {
    await loadCameras();
    await refresh();
  } catch (err) {
    say(err.message);
  }
  setInterval(() => refresh().catch((err) => say(err.message)), 2000);
}

main();
