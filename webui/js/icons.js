// Tool icons drawn as inline SVG, so they look the same whatever fonts the wall PC has.

const SVG = "http://www.w3.org/2000/svg";
const PATHS = {
  snapshot: "M4 8h3l2-3h6l2 3h3v11H4z M12 10a3.5 3.5 0 1 0 0 7a3.5 3.5 0 1 0 0-7",
  tour: "M20 12a8 8 0 1 1-2.3-5.6 M20 4v5h-5",
  playback: "M4 12a8 8 0 1 0 2.3-5.6 M4 4v5h5 M12 8v4l3 2",
  full: "M4 9V4h5 M20 9V4h-5 M4 15v5h5 M20 15v5h-5",
  clear: "M6 6l12 12 M18 6L6 18",
};

/** An <svg> icon by name (snapshot, tour, full, clear). */
export function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", PATHS[name]);
  svg.append(path);
  return svg;
}
