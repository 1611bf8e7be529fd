// A theme saved on the server (the profile page) applies at once: the response's
// `HX-Trigger: {"fairlx:theme-saved": {"preference": "dark"}}` lands here, and the preference is
// stored and applied exactly as the header's switcher does it.
import { savePreference } from "../lib/theme-preference.js";

export function registerThemeSync() {
  document.addEventListener("fairlx:theme-saved", (event) => savePreference(event.detail?.preference));
}
