// Wall geometries: uniform grids and "big tile + small tiles" arrangements, as CSS grid areas.
// Must list the same grids as GRID_TILES in vms/api/routes/layouts.py.

function uniform(n) {
  const tiles = [];
  for (let r = 1; r <= n; r += 1) for (let c = 1; c <= n; c += 1) tiles.push([c, r, 1, 1]);
  return { cols: `repeat(${n}, 1fr)`, rows: `repeat(${n}, 1fr)`, tiles };
}

/** grid name -> {cols, rows: CSS templates, tiles: [[col, row, colSpan, rowSpan], ...]} */
export const GRIDS = {
  1: uniform(1),
  4: uniform(2),
  9: uniform(3),
  16: uniform(4),
  25: uniform(5),
  "1+5": {
    cols: "repeat(3, 1fr)",
    rows: "repeat(3, 1fr)",
    tiles: [[1, 1, 2, 2], [3, 1, 1, 1], [3, 2, 1, 1], [1, 3, 1, 1], [2, 3, 1, 1], [3, 3, 1, 1]],
  },
  "1+7": {
    cols: "repeat(4, 1fr)",
    rows: "repeat(4, 1fr)",
    tiles: [
      [1, 1, 3, 3], [4, 1, 1, 1], [4, 2, 1, 1], [4, 3, 1, 1],
      [1, 4, 1, 1], [2, 4, 1, 1], [3, 4, 1, 1], [4, 4, 1, 1],
    ],
  },
  "3+4": {
    cols: "repeat(12, 1fr)",
    rows: "4fr 3fr",
    tiles: [
      [1, 1, 4, 1], [5, 1, 4, 1], [9, 1, 4, 1],
      [1, 2, 3, 1], [4, 2, 3, 1], [7, 2, 3, 1], [10, 2, 3, 1],
    ],
  },
};

export const GRID_NAMES = Object.keys(GRIDS).sort((a, b) => {
  const n = (g) => GRIDS[g].tiles.length;
  return n(a) - n(b) || a.localeCompare(b);
});

/** How many columns of plain tiles a grid has, for arrow-key moves. */
export function tileCount(grid) {
  return GRIDS[grid].tiles.length;
}
