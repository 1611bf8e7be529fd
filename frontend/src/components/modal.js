// Modal dialogs on the native <dialog> element (top layer, inert background, Escape closes), with
// focus kept inside while open and returned to the opener on close. Open one with a `modalTrigger`
// button (`data-modal-target="<dialog id>"`) or `openModal(id)`.

const FOCUSABLE = [
  "a[href]",
  "button:not([disabled])",
  "input:not([disabled]):not([type=hidden])",
  "select:not([disabled])",
  "textarea:not([disabled])",
  "[tabindex]:not([tabindex='-1'])",
].join(",");

export function openModal(id) {
  window.dispatchEvent(new CustomEvent("open-modal", { detail: { id } }));
}

function focusableIn(root) {
  return [...root.querySelectorAll(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
}

export function registerModal(Alpine) {
  Alpine.data("modal", () => ({
    opener: null,

    init() {
      this.$el.addEventListener("close", () => this.restoreFocus());
      // A click on the backdrop lands on the <dialog> itself, outside its content panel.
      this.$el.addEventListener("click", (event) => {
        if (event.target === this.$el) this.close();
      });
    },

    show(event) {
      // A dialog htmx swapped out still hears the event: only the one in the document may open.
      if (event.detail?.id !== this.$el.id || this.$el.open || !this.$el.isConnected) return;
      this.opener = document.activeElement;
      this.$el.showModal();
      const preferred = this.$el.querySelector("[autofocus]") || focusableIn(this.$el)[0];
      preferred?.focus();
    },

    close() {
      if (this.$el.open) this.$el.close();
    },

    restoreFocus() {
      this.opener?.focus?.();
      this.opener = null;
    },

    trapFocus(event) {
      const focusable = focusableIn(this.$el);
      if (focusable.length === 0) {
        event.preventDefault();
        return;
      }
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      const leavingBackwards = event.shiftKey && (document.activeElement === first || !this.$el.contains(document.activeElement));
      const leavingForwards = !event.shiftKey && document.activeElement === last;
      if (leavingBackwards) {
        event.preventDefault();
        last.focus();
      } else if (leavingForwards) {
        event.preventDefault();
        first.focus();
      }
    },
  }));

  Alpine.data("modalTrigger", () => ({
    open() {
      openModal(this.$el.dataset.modalTarget);
    },
  }));
}
