// Kanban lists: every `[data-sortable]` list becomes a SortableJS list whose `[data-sortable-item]`
// cards can be dragged within it and to lists of the same `data-sortable-group`. Cards move by keyboard
// too: Alt+Arrow Left/Right to the previous/next column, Alt+Arrow Up/Down within a column.
//
// When a list (or an ancestor) has `data-move-url`, each move is POSTed there through htmx with
// `item`, `column`, `position`, the neighbours it landed between (`after`, `before`) and the card's
// `version`; a refused move is put back where it was (the refusal shows as a toast). Without it (the
// style guide) the move stays client-side. A board with `data-allowed-moves` (status id -> the status
// ids a card may go to) dims the columns a dragged card may not enter.
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
  const siblings = [...to.querySelectorAll(ITEM)];
  item.addEventListener(
    "htmx:afterRequest",
    (event) => {
      const { xhr } = event.detail;
      if (event.detail.successful && xhr.status < 400) {
        const version = xhr.getResponseHeader("X-Task-Version");
        if (version) item.dataset.version = version;
        item.dataset.status = to.dataset.column;
        return;
      }
      putBack(item, from, oldIndex);
      refreshCount(from);
      refreshCount(to);
      // A refusal the page answers as a problem (422 counts as a success for htmx: forms swap it in).
      if (xhr.status === 422) showRefusal(xhr);
      announce(`${item.dataset.title || "The card"} went back: the move was refused.`);
    },
    { once: true },
  );
  htmx.ajax("POST", moveUrl, {
    source: item,
    swap: "none",
    values: {
      item: item.dataset.id,
      column: to.dataset.column,
      position,
      after: siblings[position - 1]?.dataset.id || "",
      before: siblings[position + 1]?.dataset.id || "",
      version: item.dataset.version || "",
    },
  });
}

function showRefusal(xhr) {
  let problem = { title: "The move was refused", message: "" };
  try {
    const body = JSON.parse(xhr.responseText);
    problem = { title: body.title || problem.title, message: body.detail || "" };
  } catch {
    // not a problem document: keep the generic words
  }
  window.Alpine?.store("toasts")?.show({ kind: "error", ...problem });
}

function allowedFrom(list) {
  const board = list.closest("[data-allowed-moves]");
  if (!board) return null;
  try {
    return JSON.parse(board.dataset.allowedMoves)[list.dataset.column] || [];
  } catch {
    return null;
  }
}

function dimForbidden(list, on) {
  const allowed = on ? allowedFrom(list) : null;
  document.querySelectorAll(LIST).forEach((other) => {
    const column = other.closest("[data-kanban-column]") || other;
    const forbidden = allowed !== null && other !== list && !allowed.includes(other.dataset.column);
    column.classList.toggle("kanban-forbidden", on && forbidden);
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
    onStart: (event) => dimForbidden(event.from, true),
    onEnd: (event) => {
      dimForbidden(event.from, false);
      afterMove(event.item, event.from, event.to, event.oldIndex);
    },
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
