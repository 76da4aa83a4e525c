// Recordings of up to four cameras, played in sync: per camera a timeline of recorded spans
// (green), gaps (red) and event triggers (amber, the reason on hover) over the last hour and a video fed by Media Source Extensions with
// windows from the playback API; scrub (click any timeline), play/pause, speed, step one
// frame back or forward, jump to a time. The windows are fragmented MP4 whose decode times
// count seconds since the Unix epoch, so video.currentTime IS the wall clock: the first
// camera is the clock, the others are held to it. Texts are set with textContent.
//
// /playback?camera=ID[,ID...][&stream=sub]

import { frameTimes, stepFrom } from "./fmp4-frames.js";

const WINDOW_S = 30;
const HOUR_MS = 3600_000;
const MAX_CAMERAS = 4;
const DRIFT_S = 0.15; // a follower further than this from the clock is moved to it
const RETRY_MS = 5000; // a camera with nothing at the clock's time asks again after this
const $ = (sel, root = document) => root.querySelector(sel);
const params = new URLSearchParams(window.location.search);
const stream = params.get("stream") === "sub" ? "sub" : "main";
const cameras = [
  ...new Set((params.get("camera") || "").split(",").map((v) => Number(v.trim()))),
].filter((n) => Number.isInteger(n) && n > 0);
let range = { from: Date.now() - HOUR_MS, to: Date.now() };
let players = [];

function say(text) {
  $("#message").textContent = text;
}

async function getJson(path) {
  const resp = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const data = await resp.json().catch(() => null);
  if (!resp.ok) throw new Error((data && data.detail) || `HTTP ${resp.status}`);
  return data;
}

function codecOf(bytes) {
  // avcC: configurationVersion, profile, compatibility, level -> avc1.PPCCLL
  for (let i = 4; i + 8 < bytes.length; i++) {
    if (bytes[i] === 0x61 && bytes[i + 1] === 0x76 && bytes[i + 2] === 0x63 && bytes[i + 3] === 0x43) {
      const hex = (b) => b.toString(16).padStart(2, "0");
      return `avc1.${hex(bytes[i + 5])}${hex(bytes[i + 6])}${hex(bytes[i + 7])}`;
    }
  }
  return "avc1.42E01E";
}

function place(el, startMs, endMs) {
  const width = range.to - range.from;
  el.style.left = `${(100 * (startMs - range.from)) / width}%`;
  el.style.width = `${Math.max(0.2, (100 * (endMs - startMs)) / width)}%`;
}

// One camera: its video, its Media Source buffer, the frame times it holds, its timeline.
class Player {
  constructor(camera, tile, line) {
    this.camera = camera;
    this.video = $("video", tile);
    this.note = $(".tile-note", tile);
    this.line = line;
    this.source = null;
    this.buffer = null;
    this.nextStart = null; // wall-clock ms where the next window begins
    this.loading = false;
    this.frames = [];
    this.retryAt = 0;
  }

  async fetchWindow(startMs) {
    const qs = new URLSearchParams({
      stream, start: new Date(startMs).toISOString(), duration_s: String(WINDOW_S), format: "fmp4",
    });
    const resp = await fetch(`/api/v1/cameras/${this.camera}/recordings/play?${qs}`, { credentials: "same-origin" });
    if (!resp.ok) {
      const data = await resp.json().catch(() => null);
      throw new Error((data && data.detail) || `HTTP ${resp.status}`);
    }
    const end = Date.parse(resp.headers.get("X-Recording-End"));
    return { bytes: new Uint8Array(await resp.arrayBuffer()), end };
  }

  append(bytes) {
    return new Promise((resolve, reject) => {
      this.buffer.addEventListener("updateend", resolve, { once: true });
      this.buffer.addEventListener("error", reject, { once: true });
      this.buffer.appendBuffer(bytes);
    });
  }

  addFrames(bytes) {
    const seen = new Set(this.frames);
    this.frames = this.frames.concat(frameTimes(bytes).filter((t) => !seen.has(t)));
    this.frames.sort((a, b) => a - b);
  }

  covers(seconds) {
    const b = this.buffer && this.buffer.buffered;
    if (!b) return false;
    for (let i = 0; i < b.length; i++) if (b.start(i) <= seconds && seconds < b.end(i)) return true;
    return false;
  }

  // A new MediaSource for every jump: the buffer holds one stretch of time.
  async seek(ms, play) {
    this.loading = true;
    try {
      const win = await this.fetchWindow(ms);
      this.source = new MediaSource();
      this.video.src = URL.createObjectURL(this.source);
      await new Promise((r) => this.source.addEventListener("sourceopen", r, { once: true }));
      this.buffer = this.source.addSourceBuffer(`video/mp4; codecs="${codecOf(win.bytes)}"`);
      this.frames = [];
      await this.append(win.bytes);
      this.addFrames(win.bytes);
      this.nextStart = win.end;
      this.video.currentTime = Math.max(ms / 1000, this.buffer.buffered.start(0));
      this.video.playbackRate = Number($("#speed").value);
      if (play) await this.video.play().catch(() => undefined);
      this.note.textContent = "";
      return true;
    } catch (err) {
      this.note.textContent = String(err.message || err);
      this.retryAt = Date.now() + RETRY_MS;
      return false;
    } finally {
      this.loading = false;
    }
  }

  async more() {
    // keep about one window ahead of the playhead
    if (this.loading || !this.buffer || this.nextStart === null || this.buffer.updating) return;
    if (this.nextStart / 1000 - this.video.currentTime > WINDOW_S / 2) return;
    this.loading = true;
    try {
      const win = await this.fetchWindow(this.nextStart);
      if (win.end > this.nextStart) {
        await this.append(win.bytes);
        this.addFrames(win.bytes);
        this.nextStart = win.end;
      }
    } catch {
      this.nextStart = null; // nothing more recorded (yet)
    } finally {
      this.loading = false;
    }
  }

  async drawTimeline() {
    const qs = new URLSearchParams({
      stream, start: new Date(range.from).toISOString(), end: new Date(range.to).toISOString(),
    });
    const data = await getJson(`/api/v1/cameras/${this.camera}/recordings?${qs}`);
    this.line.querySelectorAll(".span, .gap, .event").forEach((el) => el.remove());
    const events = data.events.map((e) => ({ start: e.at, end: e.until, reason: e.reason || "event" }));
    for (const [kind, list] of [["span", data.spans], ["gap", data.gaps], ["event", events]]) {
      for (const item of list) {
        const el = document.createElement("div");
        el.className = kind;
        el.title = kind === "span" ? "" : item.reason;
        place(el, Date.parse(item.start), Date.parse(item.end));
        this.line.insertBefore(el, $(".cursor", this.line));
      }
    }
    return data;
  }

  moveCursor(ms) {
    $(".cursor", this.line).style.left = `${(100 * (ms - range.from)) / (range.to - range.from)}%`;
  }
}

const clock = () => players[0].video;

async function seekAll(ms) {
  const play = !clock().paused || clock().currentTime === 0;
  await Promise.all(players.map((p) => p.seek(ms, play)));
}

// Hold every follower to the clock: same time (within DRIFT_S), same pause, same speed.
function follow() {
  const lead = clock();
  if (lead.currentTime === 0) return;
  const t = lead.currentTime;
  for (const p of players.slice(1)) {
    if (p.loading) continue;
    if (!p.covers(t)) {
      if (Date.now() >= p.retryAt) p.seek(t * 1000, !lead.paused);
      continue;
    }
    if (lead.paused) {
      const target = shownFrame(p, t) ?? t; // paused: exactly the frame of that moment
      if (Math.abs(p.video.currentTime - target) > 1e-4) p.video.currentTime = target;
    } else if (Math.abs(p.video.currentTime - t) > DRIFT_S) {
      p.video.currentTime = t;
    }
    if (p.video.playbackRate !== lead.playbackRate) p.video.playbackRate = lead.playbackRate;
    if (lead.paused && !p.video.paused) p.video.pause();
    if (!lead.paused && p.video.paused) p.video.play().catch(() => undefined);
  }
}

// The frame of `p` shown at time `t`: its last frame at or before it.
function shownFrame(p, t) {
  let at = null;
  for (const f of p.frames) {
    if (f > t + 1e-4) break;
    at = f;
  }
  return at;
}

function step(direction) {
  const lead = clock();
  lead.pause();
  players.forEach((p) => p.video.pause());
  const to = stepFrom(players[0].frames, lead.currentTime, direction);
  if (to === null) {
    say(direction > 0 ? "no later frame loaded yet" : "no earlier frame loaded: jump back first");
    return;
  }
  say("");
  lead.currentTime = to;
  follow();
}

function tick() {
  const lead = clock();
  if (lead.currentTime > 0) {
    const ms = lead.currentTime * 1000;
    $("#now").textContent = new Date(ms).toISOString().replace("T", " ").slice(0, 23);
    players.forEach((p) => p.moveCursor(ms));
  }
  $("#play").textContent = lead.paused ? "Play" : "Pause";
  follow();
  players.forEach((p) => p.more());
}

async function drawTimelines() {
  range = { from: Date.now() - HOUR_MS, to: Date.now() };
  $("#from").textContent = new Date(range.from).toLocaleTimeString();
  $("#to").textContent = new Date(range.to).toLocaleTimeString();
  return Promise.all(players.map((p) => p.drawTimeline()));
}

function build() {
  const tiles = $("#videos");
  const lines = $("#timelines");
  tiles.dataset.count = String(cameras.length);
  players = cameras.map((camera) => {
    const tile = document.createElement("figure");
    tile.className = "playback-tile";
    const video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.dataset.camera = String(camera);
    const caption = document.createElement("figcaption");
    const note = document.createElement("span");
    note.className = "tile-note";
    caption.append(`camera ${camera} `, note);
    tile.append(video, caption);
    tiles.append(tile);
    const row = document.createElement("div");
    row.className = "timeline-row";
    const label = document.createElement("span");
    label.textContent = `camera ${camera}`;
    const line = document.createElement("div");
    line.className = "timeline";
    line.dataset.camera = String(camera);
    line.setAttribute("role", "slider");
    line.setAttribute("aria-label", `recorded time of camera ${camera}`);
    const cursor = document.createElement("div");
    cursor.className = "cursor";
    line.append(cursor);
    line.addEventListener("click", (ev) => {
      const box = ev.currentTarget.getBoundingClientRect();
      seekAll(range.from + ((ev.clientX - box.left) / box.width) * (range.to - range.from));
    });
    row.append(label, line);
    lines.append(row);
    return new Player(camera, tile, line);
  });
}

async function main() {
  if (!cameras.length) {
    say("no camera: open /playback?camera=ID (up to four: camera=ID,ID,...)");
    return;
  }
  if (cameras.length > MAX_CAMERAS) {
    say(`at most ${MAX_CAMERAS} cameras play in sync; asked for ${cameras.length}`);
    return;
  }
  $("#title").textContent = `Playback · camera ${cameras.join(", ")} (${stream})`;
  build();
  $("#play").addEventListener("click", () => {
    const lead = clock();
    if (lead.paused) lead.play().catch(() => undefined);
    else lead.pause();
    follow();
  });
  $("#speed").addEventListener("change", () => {
    players.forEach((p) => { p.video.playbackRate = Number($("#speed").value); });
  });
  $("#back").addEventListener("click", () => step(-1));
  $("#forward").addEventListener("click", () => step(1));
  document.addEventListener("keydown", (ev) => {
    if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement) return;
    if (ev.key === ",") step(-1);
    if (ev.key === ".") step(1);
  });
  $("#go").addEventListener("click", () => {
    const ms = Date.parse($("#jump").value); // local time, as the picker shows it
    if (!Number.isNaN(ms)) seekAll(ms);
  });
  setInterval(tick, 250);
  setInterval(() => drawTimelines().catch((e) => say(String(e.message || e))), 10_000);
  try {
    const listed = await drawTimelines();
    const ends = listed[0].spans.map((s) => Date.parse(s.end));
    if (ends.length) {
      const last = listed[0].spans[listed[0].spans.length - 1];
      await seekAll(Math.max(Date.parse(last.start), Math.max(...ends) - 10_000));
    } else {
      say(`nothing recorded in the last hour on camera ${cameras[0]}`);
    }
  } catch (err) {
    say(String(err.message || err));
  }
}

main();
