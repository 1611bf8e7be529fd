// Toast notifications: one Alpine store holds the visible toasts; anything can add one with
// `showToast({kind, title, message})`, a `toast` DOM event, or an htmx response header
// `HX-Trigger: {"toast": {"kind": "success", "title": "Saved"}}` (htmx fires it as a `toast` event).

export const TOAST_KINDS = ["info", "success", "warning", "error"];
const DEFAULT_TIMEOUT_MS = 5000;
const MAX_VISIBLE = 5;

export function registerToasts(Alpine) {
  Alpine.store("toasts", {
    items: [],
    nextId: 1,

    show({ kind = "info", title = "", message = "", timeout = DEFAULT_TIMEOUT_MS } = {}) {
      const toast = {
        id: this.nextId++,
        kind: TOAST_KINDS.includes(kind) ? kind : "info",
        title: String(title || ""),
        message: String(message || ""),
      };
      if (!toast.title && !toast.message) return;
      this.items.push(toast);
      if (this.items.length > MAX_VISIBLE) this.items.shift();
      if (timeout > 0) window.setTimeout(() => this.dismiss(toast.id), timeout);
    },

    dismiss(id) {
      this.items = this.items.filter((toast) => toast.id !== id);
    },
  });

  // A button that shows the toast described by its data attributes (used by the style guide and by
  // pages that want a client-side confirmation without a round trip).
  Alpine.data("toastTrigger", () => ({
    fire() {
      const { toastKind, toastTitle, toastMessage } = this.$el.dataset;
      Alpine.store("toasts").show({ kind: toastKind, title: toastTitle, message: toastMessage });
    },
  }));

  document.addEventListener("toast", (event) => Alpine.store("toasts").show(event.detail || {}));
}

export function showToast(Alpine, toast) {
  Alpine.store("toasts").show(toast);
}
