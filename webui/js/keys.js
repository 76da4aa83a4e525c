// Keyboard shortcuts for operators: 1–9 select a tile, arrows move the selection, F or Enter
// full view, Esc back, L layouts, M map, / search, S snapshot, Delete clear the tile.
// Ignored while typing in a field or while a dialog is open (the dialog handles its own keys).

function typing(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
}

/** `actions`: selectTile(i), move(dx, dy), full(), back(), layouts(), map(), search(),
 * snapshot(), clear(). Returns a function that removes the handler. */
export function installKeys(actions) {
  const handler = (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    if (typing(ev.target)) {
      if (ev.key === "Escape") ev.target.blur();
      return;
    }
    if (ev.target.closest && ev.target.closest("#camera-list")) return;
    const key = ev.key;
    let handled = true;
    if (/^[1-9]$/.test(key)) actions.selectTile(Number(key) - 1);
    else if (key === "ArrowLeft") actions.move(-1, 0);
    else if (key === "ArrowRight") actions.move(1, 0);
    else if (key === "ArrowUp") actions.move(0, -1);
    else if (key === "ArrowDown") actions.move(0, 1);
    else if (key === "f" || key === "F" || key === "Enter") actions.full();
    else if (key === "Escape") actions.back();
    else if (key === "l" || key === "L") actions.layouts();
    else if (key === "m" || key === "M") actions.map();
    else if (key === "/") actions.search();
    else if (key === "s" || key === "S") actions.snapshot();
    else if (key === "Delete" || key === "Backspace") actions.clear();
    else handled = false;
    if (handled) ev.preventDefault();
  };
  document.addEventListener("keydown", handler);
  return () => document.removeEventListener("keydown", handler);
}
