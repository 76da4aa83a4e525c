// One camera's recordings: a timeline of recorded spans (green) and gaps (red) over the last
// hour, a video fed by Media Source Extensions with windows from the playback API, scrub
// (click the timeline), play/pause, speed, jump to a time. The windows are fragmented MP4
// whose decode times count seconds since the Unix epoch, so video.currentTime IS the wall
// clock and consecutive windows append on one timeline. Texts are set with textContent.

const WINDOW_S = 30;
const HOUR_MS = 3600_000;
const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(window.location.search);
const camera = Number(params.get("camera"));
const stream = params.get("stream") === "sub" ? "sub" : "main";
const video = $("#video");
let range = { from: Date.now() - HOUR_MS, to: Date.now() };
let source = null;
let buffer = null;
let nextStart = null; // wall-clock ms where the next window begins
let loading = false;

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

async function fetchWindow(startMs) {
  const qs = new URLSearchParams({
    stream, start: new Date(startMs).toISOString(), duration_s: String(WINDOW_S), format: "fmp4",
  });
  const resp = await fetch(`/api/v1/cameras/${camera}/recordings/play?${qs}`, { credentials: "same-origin" });
  if (!resp.ok) {
    const data = await resp.json().catch(() => null);
    throw new Error((data && data.detail) || `HTTP ${resp.status}`);
  }
  const end = Date.parse(resp.headers.get("X-Recording-End"));
  return { bytes: new Uint8Array(await resp.arrayBuffer()), end };
}

function append(bytes) {
  return new Promise((resolve, reject) => {
    buffer.addEventListener("updateend", resolve, { once: true });
    buffer.addEventListener("error", reject, { once: true });
    buffer.appendBuffer(bytes);
  });
}

async function seek(ms) {
  // a new MediaSource for every jump: the buffer holds one stretch of time
  loading = true;
  try {
    const win = await fetchWindow(ms);
    source = new MediaSource();
    video.src = URL.createObjectURL(source);
    await new Promise((r) => source.addEventListener("sourceopen", r, { once: true }));
    buffer = source.addSourceBuffer(`video/mp4; codecs="${codecOf(win.bytes)}"`);
    await append(win.bytes);
    nextStart = win.end;
    video.currentTime = Math.max(ms / 1000, buffer.buffered.start(0));
    video.playbackRate = Number($("#speed").value);
    await video.play().catch(() => undefined);
    say("");
  } catch (err) {
    say(String(err.message || err));
  } finally {
    loading = false;
  }
}

async function more() {
  // keep about one window ahead of the playhead
  if (loading || !buffer || nextStart === null || buffer.updating) return;
  if (nextStart / 1000 - video.currentTime > WINDOW_S / 2) return;
  loading = true;
  try {
    const win = await fetchWindow(nextStart);
    if (win.end > nextStart) {
      await append(win.bytes);
      nextStart = win.end;
    }
  } catch {
    nextStart = null; // nothing more recorded (yet)
  } finally {
    loading = false;
  }
}

function place(el, startMs, endMs) {
  const width = range.to - range.from;
  el.style.left = `${(100 * (startMs - range.from)) / width}%`;
  el.style.width = `${Math.max(0.2, (100 * (endMs - startMs)) / width)}%`;
}

async function drawTimeline() {
  range = { from: Date.now() - HOUR_MS, to: Date.now() };
  const qs = new URLSearchParams({
    stream, start: new Date(range.from).toISOString(), end: new Date(range.to).toISOString(),
  });
  const data = await getJson(`/api/v1/cameras/${camera}/recordings?${qs}`);
  const line = $("#timeline");
  line.querySelectorAll(".span, .gap").forEach((el) => el.remove());
  for (const [kind, list] of [["span", data.spans], ["gap", data.gaps]]) {
    for (const item of list) {
      const el = document.createElement("div");
      el.className = kind;
      el.title = kind === "gap" ? item.reason : "";
      place(el, Date.parse(item.start), Date.parse(item.end));
      line.insertBefore(el, $("#cursor"));
    }
  }
  $("#from").textContent = new Date(range.from).toLocaleTimeString();
  $("#to").textContent = new Date(range.to).toLocaleTimeString();
  return data;
}

function tick() {
  if (video.currentTime > 0) {
    const ms = video.currentTime * 1000;
    $("#now").textContent = new Date(ms).toISOString().replace("T", " ").slice(0, 23);
    $("#cursor").style.left = `${(100 * (ms - range.from)) / (range.to - range.from)}%`;
  }
  $("#play").textContent = video.paused ? "Play" : "Pause";
  more();
}

async function main() {
  if (!Number.isInteger(camera) || camera < 1) {
    say("no camera: open /playback?camera=ID");
    return;
  }
  $("#title").textContent = `Playback · camera ${camera} (${stream})`;
  $("#timeline").addEventListener("click", (ev) => {
    const box = ev.currentTarget.getBoundingClientRect();
    seek(range.from + ((ev.clientX - box.left) / box.width) * (range.to - range.from));
  });
  $("#play").addEventListener("click", () => (video.paused ? video.play() : video.pause()));
  $("#speed").addEventListener("change", () => { video.playbackRate = Number($("#speed").value); });
  $("#go").addEventListener("click", () => {
    const ms = Date.parse($("#jump").value); // local time, as the picker shows it
    if (!Number.isNaN(ms)) seek(ms);
  });
  setInterval(tick, 250);
  setInterval(() => drawTimeline().catch((e) => say(String(e.message || e))), 10_000);
  try {
    const data = await drawTimeline();
    if (data.spans.length) {
      const last = data.spans[data.spans.length - 1];
      await seek(Math.max(Date.parse(last.start), Date.parse(last.end) - 10_000));
    } else {
      say("nothing recorded in the last hour");
    }
  } catch (err) {
    say(String(err.message || err));
  }
}

main();
