// The wall's only door to the server: small wrappers over the JSON API under /api/v1.
// Errors become ApiError carrying the server's explanation, so views can show it as text.

const BASE = "/api/v1";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(method, path, body) {
  // the session cookie names the caller (layouts belong to the signed-in user)
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(BASE + path, init);
  if (resp.status === 204) return null;
  let data = null;
  try {
    data = await resp.json();
  } catch {
    data = null;
  }
  if (!resp.ok) {
    const detail = data && typeof data.detail === "string" ? data.detail : resp.statusText;
    throw new ApiError(resp.status, (data && data.error) || "http_error", detail);
  }
  return data;
}

/** For the pages beside the wall (emergency, evidence): a JSON call whose 401 sends the
 * person to the wall's sign-in form. */
export async function call(method, path, body) {
  try {
    return await request(method, path, body);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) window.location.assign("/");
    throw err;
  }
}

function query(params) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : "";
}

/** One page of the active cameras in the registry: {items, total}. */
export function listCameras(params = {}) {
  return request("GET", `/cameras${query({ limit: 500, state: "active", ...params })}`);
}

export function getCamera(id) {
  return request("GET", `/cameras/${encodeURIComponent(id)}`);
}

export function listAgencies() {
  return request("GET", "/agencies?limit=1000");
}

export function cameraStatus(id) {
  return request("GET", `/cameras/${encodeURIComponent(id)}/status`);
}

/** The URL of a camera stream's WHEP endpoint (POST an offer there). */
export function whepUrl(id, stream) {
  return `${BASE}/cameras/${encodeURIComponent(id)}/whep${query({ stream })}`;
}

export function snapshotUrl(id, stream = "main") {
  return `${BASE}/cameras/${encodeURIComponent(id)}/snapshot.jpg${query({ stream })}`;
}

export function listLayouts() {
  return request("GET", "/layouts");
}

export function createLayout(layout) {
  return request("POST", "/layouts", layout);
}

export function replaceLayout(id, layout) {
  return request("PUT", `/layouts/${encodeURIComponent(id)}`, layout);
}

export function deleteLayout(id) {
  return request("DELETE", `/layouts/${encodeURIComponent(id)}`);
}

/** The signed-in person, or null when nobody is signed in in this browser. */
export async function whoAmI() {
  try {
    return await request("GET", "/auth/me");
  } catch {
    return null;
  }
}

/** Sign in with a password; the server sets an HttpOnly session cookie. */
export function signIn(username, password) {
  return request("POST", "/auth/login", { username, password });
}

/** A camera's PTZ: capabilities, position, holder, and the caller's own standing. */
export function ptzStatus(id) {
  return request("GET", `/cameras/${encodeURIComponent(id)}/ptz`);
}

export function ptzPresets(id) {
  return request("GET", `/cameras/${encodeURIComponent(id)}/ptz/presets`);
}

/** A move: {mode, pan, tilt, zoom, timeout_s?}; answers who holds control now. */
export function ptzMove(id, move) {
  return request("POST", `/cameras/${encodeURIComponent(id)}/ptz/move`, move);
}

/** A body-less PTZ command under /ptz/: "stop", "home", "presets/{token}/goto", "session". */
export function ptzCommand(id, command) {
  return request("POST", `/cameras/${encodeURIComponent(id)}/ptz/${command}`);
}

export function listWalls() {
  return request("GET", "/walls");
}

/** Push `body` ({layout|alarm, locked, expires_in_s}) to walls: {walls: [ids] | "all"}. */
export function pushWalls(body) {
  return request("POST", "/walls/push", body);
}

export function wallAct(id, act, body) {
  return request("POST", `/walls/${encodeURIComponent(id)}/${act}`, body);
}

/** The wall's server-sent event stream (EventSource reconnects and sends Last-Event-ID). */
export function wallEventsUrl(id) {
  return `${BASE}/walls/${encodeURIComponent(id)}/events`;
}
