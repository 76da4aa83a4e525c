// The emergency banner on the walls in its scope: polls GET /api/v1/emergency once a second
// (there is no browser events stream yet) naming this wall (?wall=ID) and the cameras it shows,
// and shows the type, who declared it and when it ends where the server says the page is in
// scope (`in_scope`), or hides. Every value is set with textContent, never parsed as markup.

const POLL_MS = 1_000;
const TYPES = {
  natural_disaster: "Natural disaster",
  terrorism: "Terrorism",
  other: "Emergency",
};

function banner() {
  let el = document.getElementById("emergency-banner");
  if (!el) {
    el = document.createElement("div");
    el.id = "emergency-banner";
    el.className = "emergency-banner";
    el.setAttribute("role", "alert");
    el.hidden = true;
    document.body.prepend(el);
  }
  return el;
}

function describe(em) {
  const type = TYPES[em.type] || em.type;
  const who = em.declared_by_name || em.declared_by;
  if (em.state === "pending_confirmation") {
    return `${type} declared by ${who}: waiting for a second person's confirmation`;
  }
  const ends = em.ends_at ? new Date(em.ends_at).toLocaleString() : "";
  return `EMERGENCY - ${type} - declared by ${who} - governor's office in command until ${ends}`;
}

export function show(em) {
  const el = banner();
  if (!em || !em.active || em.in_scope === false) {
    el.hidden = true;
    el.textContent = "";
    delete el.dataset.emergencyId;
    delete el.dataset.state;
    return;
  }
  el.textContent = describe(em);
  el.dataset.emergencyId = String(em.id);
  el.dataset.state = em.state;
  el.dataset.type = em.type;
  el.hidden = false;
}

/** The state URL naming this wall and the cameras on its tiles now. */
function stateUrl() {
  const query = new URLSearchParams();
  const wall = new URLSearchParams(window.location.search).get("wall");
  if (wall && /^\d+$/.test(wall)) query.set("wall_id", wall);
  const ids = new Set();
  for (const v of document.querySelectorAll("video[data-camera-id]")) {
    if (/^\d+$/.test(v.dataset.cameraId)) ids.add(v.dataset.cameraId);
  }
  for (const id of [...ids].slice(0, 100)) query.append("camera_ids", id);
  const qs = query.toString();
  return qs ? `/api/v1/emergency?${qs}` : "/api/v1/emergency";
}

async function poll() {
  try {
    const resp = await fetch(stateUrl(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (resp.ok) show(await resp.json());
    else if (resp.status === 401 || resp.status === 404) show(null);
  } catch {
    // the server is restarting: keep the last banner and ask again
  }
}

export function startEmergencyBanner() {
  poll();
  return window.setInterval(poll, POLL_MS);
}

startEmergencyBanner();
