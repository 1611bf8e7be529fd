// Copy buttons: `x-data="copyButton" @click="copy" data-copy-target="<element id>"` copies that
// element's text and confirms with a toast (`data-copied-title` names what was copied). Where the
// clipboard is unavailable (plain http, a refusal), the text is selected for copying by hand.

function selectText(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

export function registerClipboard(Alpine) {
  Alpine.data("copyButton", () => ({
    async copy() {
      const target = document.getElementById(this.$el.dataset.copyTarget);
      if (!target) return;
      const text = target.textContent.trim();
      try {
        await navigator.clipboard.writeText(text);
        Alpine.store("toasts").show({ kind: "success", title: this.$el.dataset.copiedTitle || "Copied" });
      } catch {
        selectText(target);
        Alpine.store("toasts").show({
          kind: "info",
          title: "Press Ctrl+C (⌘C) to copy",
          message: "The browser did not allow copying; the text is selected.",
        });
      }
    },
  }));
}
