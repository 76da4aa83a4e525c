// The presentation times (in seconds) of the video samples in a fragmented MP4, read from its
// boxes: mdhd (timescale), trex/tfhd (default duration), tfdt (decode time), trun (durations,
// composition offsets). The playback page steps frame by frame with them: our windows' times
// count from the Unix epoch, so these are wall-clock seconds, as video.currentTime is.

const CONTAINERS = new Set(["moov", "trak", "mdia", "mvex", "moof", "traf"]);

function eachBox(bytes, dv, start, end, visit) {
  let p = start;
  while (p + 8 <= end) {
    let size = dv.getUint32(p);
    let header = 8;
    if (size === 1) {
      size = Number(dv.getBigUint64(p + 8));
      header = 16;
    } else if (size === 0) {
      size = end - p;
    }
    if (size < header || p + size > end) return; // torn or foreign: stop, keep what was read
    const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
    visit(type, p + header, p + size);
    p += size;
  }
}

export function frameTimes(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const track = { timescale: 90_000, duration: 0 };
  const times = [];
  let decode = 0;
  let duration = 0;
  const visit = (type, s, e) => {
    if (CONTAINERS.has(type)) {
      if (type === "traf") duration = track.duration;
      eachBox(bytes, dv, s, e, visit);
      return;
    }
    const version = bytes[s];
    const flags = dv.getUint32(s) & 0xffffff;
    let p = s + 4;
    if (type === "mdhd") {
      track.timescale = dv.getUint32(version === 1 ? s + 20 : s + 12);
    } else if (type === "trex") {
      track.duration = dv.getUint32(s + 12);
    } else if (type === "tfhd") {
      p += 4; // track id
      if (flags & 0x01) p += 8; // base data offset
      if (flags & 0x02) p += 4; // sample description index
      if (flags & 0x08) duration = dv.getUint32(p);
    } else if (type === "tfdt") {
      decode = version === 1 ? Number(dv.getBigUint64(p)) : dv.getUint32(p);
    } else if (type === "trun") {
      const count = dv.getUint32(p);
      p += 4;
      if (flags & 0x01) p += 4; // data offset
      if (flags & 0x04) p += 4; // first sample flags
      for (let i = 0; i < count && p <= e; i++) {
        let dur = duration;
        let offset = 0;
        if (flags & 0x100) { dur = dv.getUint32(p); p += 4; }
        if (flags & 0x200) p += 4;
        if (flags & 0x400) p += 4;
        if (flags & 0x800) { offset = version === 1 ? dv.getInt32(p) : dv.getUint32(p); p += 4; }
        times.push((decode + offset) / track.timescale);
        decode += dur;
      }
    }
  };
  eachBox(bytes, dv, 0, bytes.length, visit);
  return times.sort((a, b) => a - b);
}

// The frame after (step 1) or before (step -1) the one shown at `now` (the last of the sorted
// `times` at or before it), or null at either end of what is buffered.
export function stepFrom(times, now, step) {
  const eps = 1e-4;
  let shown = -1;
  while (shown + 1 < times.length && times[shown + 1] <= now + eps) shown++;
  const next = shown + step;
  return next >= 0 && next < times.length ? times[next] : null;
}
