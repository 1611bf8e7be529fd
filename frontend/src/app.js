// The one script every page loads (deferred): htmx, Alpine (CSP build: components are registered
// here, templates only name them) and SortableJS, plus the glue that ties them to our components.
import Alpine from "@alpinejs/csp";
import htmx from "htmx.org";

import { registerClipboard } from "./components/clipboard.js";
import { registerFilterBuilder } from "./components/filter-builder.js";
import { registerHtmxFeedback } from "./components/htmx-feedback.js";
import { registerKanban } from "./components/kanban.js";
import { registerModal } from "./components/modal.js";
import { registerPalette } from "./components/palette.js";
import { registerThemeSwitcher } from "./components/theme-switcher.js";
import { registerThemeSync } from "./components/theme-sync.js";
import { registerToasts } from "./components/toasts.js";

window.htmx = htmx;
window.Alpine = Alpine;

registerToasts(Alpine);
registerModal(Alpine);
registerPalette(Alpine);
registerThemeSwitcher(Alpine);
registerHtmxFeedback(Alpine);
registerClipboard(Alpine);
registerThemeSync();
registerKanban();
registerFilterBuilder();

Alpine.start();
