// Kanban lists: every `[data-sortable]` list becomes a SortableJS list whose `[data-sortable-item]`
// cards can be dragged within it and to lists of the same `data-sortable-group`. Cards move by keyboard
// too: Alt+Arrow Left/Right to the previous/next column, Alt+Arrow Up/Down within a column.
//
// When a list (or an ancestor) has `data-move-url`, each move is POSTed there through htmx with
// `item`, `column` and `position`; a refused move is put back where it was. Without it (the style
// guide) the move stays client-side.
import htmx from "htmx.org";
import Sortable from "sortablejs";

const ITEM = "[data-sortable-item]";
const LIST = "[data-sortable]";

function announce(message) {
  const region = document.getElementById("announcer");
  if (region) region.textContent = message;
}

function columnName(list) {
  return list.closest("[data-kanban-column]")?.dataset.columnTitle || list.dataset.column || "the list";
}

function refreshCount(list) {
  const column = list.closest("[data-kanban-column]");
  const counter = column?.querySelector("[data-column-count]");
  if (counter) counter.textContent = String(list.querySelectorAll(ITEM).length);
}

function putBack(item, from, oldIndex) {
  const siblings = [...from.querySelectorAll(ITEM)].filter((el) => el !== item);
  from.insertBefore(item, siblings[oldIndex] || null);
}

function afterMove(item, from, to, oldIndex) {
  const position = [...to.querySelectorAll(ITEM)].indexOf(item);
  if (from === to && position === oldIndex) return;
  refreshCount(from);
  if (to !== from) refreshCount(to);
  const total = to.querySelectorAll(ITEM).length;
  announce(`Moved ${item.dataset.title || "card"} to ${columnName(to)}, position ${position + 1} of ${total}.`);
  const moveUrl = to.closest("[data-move-url]")?.dataset.moveUrl;
  if (!moveUrl) return;
  item.addEventListener(
    "htmx:afterRequest",
    (event) => {
      if (event.detail.successful) return;
      putBack(item, from, oldIndex);
      refreshCount(from);
      refreshCount(to);
    },
    { once: true },
  );
  htmx.ajax("POST", moveUrl, {
    source: item,
    swap: "none",
    values: { item: item.dataset.id, column: to.dataset.column, position },
  });
}

function makeSortable(list) {
  if (Sortable.get(list)) return;
  Sortable.create(list, {
    group: list.dataset.sortableGroup || undefined,
    draggable: ITEM,
    animation: 150,
    forceFallback: true, // pointer events rather than native drag: the same feel in every browser
    fallbackOnBody: true,
    ghostClass: "kanban-ghost",
    chosenClass: "kanban-chosen",
    dragClass: "kanban-drag",
    fallbackClass: "kanban-fallback",
    onEnd: (event) => afterMove(event.item, event.from, event.to, event.oldIndex),
  });
}

function neighbourList(list, step) {
  const group = list.dataset.sortableGroup;
  const lists = [...document.querySelectorAll(LIST)].filter((el) => el.dataset.sortableGroup === group);
  return lists[lists.indexOf(list) + step] || null;
}

function moveByKeyboard(event) {
  const item = event.target.closest?.(ITEM);
  if (!item || !event.altKey || event.target !== item) return;
  const from = item.closest(LIST);
  const items = [...from.querySelectorAll(ITEM)];
  const oldIndex = items.indexOf(item);
  let to = from;
  let before;
  if (event.key === "ArrowUp" && oldIndex > 0) before = items[oldIndex - 1];
  else if (event.key === "ArrowDown" && oldIndex < items.length - 1) before = items[oldIndex + 2] || null;
  else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
    to = neighbourList(from, event.key === "ArrowLeft" ? -1 : 1);
    if (!to) return;
    before = to.querySelectorAll(ITEM)[Math.min(oldIndex, to.querySelectorAll(ITEM).length)] || null;
  } else return;
  event.preventDefault();
  to.insertBefore(item, before);
  item.focus();
  afterMove(item, from, to, oldIndex);
}

export function registerKanban() {
  htmx.onLoad((root) => {
    if (root.matches?.(LIST)) makeSortable(root);
    root.querySelectorAll?.(LIST).forEach(makeSortable);
  });
  document.addEventListener("keydown", moveByKeyboard);
}
