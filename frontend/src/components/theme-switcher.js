// The light / dark / system switch in the header.
import { readPreference, savePreference } from "../lib/theme-preference.js";

export function registerThemeSwitcher(Alpine) {
  Alpine.data("themeSwitcher", () => ({
    preference: readPreference(),

    init() {
      document.addEventListener("fairlx:theme", (event) => {
        this.preference = event.detail.preference;
      });
    },

    choose() {
      savePreference(this.$el.dataset.themeValue);
    },

    isChosen() {
      return this.preference === this.$el.dataset.themeValue;
    },
  }));
}
