// What the wall knows about cameras: registry items by id (filled from the listing, fetched
// one by one only for ids a layout or tour names that the listing has not shown yet).

import { getCamera } from "./api.js";
import { currentLang } from "./i18n.js";

const cameras = new Map();
const agencies = new Map();

export function rememberAgencies(items) {
  for (const a of items) agencies.set(String(a.id), a);
}

/** The camera's agency name in the interface language, else its code. */
export function agencyName(cam) {
  if (!cam) return "";
  const a = agencies.get(String(cam.agency_id));
  if (!a) return cam.agency_code || "";
  const th = a.name_th || "";
  const en = a.name_en || "";
  return (currentLang() === "th" ? th || en : en || th) || a.code || "";
}

export function remember(items) {
  for (const cam of items) cameras.set(String(cam.id), cam);
}

export function known(id) {
  return cameras.get(String(id)) || null;
}

/** The registry item for `id`, fetched if not yet known; null if the camera is gone. */
export async function resolve(id) {
  const have = known(id);
  if (have) return have;
  try {
    const cam = await getCamera(id);
    remember([cam]);
    return cam;
  } catch {
    return null;
  }
}

const HEALTH_STATES = new Set(["idle", "starting", "online", "stalled", "offline", "error"]);

/**
 * The camera's health as shown by colours: "online" | "starting" | "stalled" | "offline" |
 * "error" | "idle" | "unknown", from the listing's per-stream summary (sub stream first, as the
 * wall shows the sub stream).
 */
export function healthOf(cam) {
  const streams = cam && cam.streams;
  const pick = streams && (streams.sub || streams.main);
  if (!pick) return { state: "unknown", reason: "" };
  const state = HEALTH_STATES.has(pick.state) ? pick.state : "unknown";
  return { state, reason: pick.reason || pick.detail || "" };
}

export function latLon(cam) {
  const lat = cam.lat ?? cam.latitude;
  const lon = cam.lon ?? cam.lng ?? cam.longitude;
  if (typeof lat !== "number" || typeof lon !== "number") return null;
  return [lat, lon];
}
