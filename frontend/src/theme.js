// Loaded as a blocking script in <head>: applies the theme before the first paint, so a "system"
// preference that resolves to dark never flashes light. An explicit "dark" is already server-rendered.
import { applyTheme, followSystemTheme, readPreference, restoreCookie } from "./lib/theme-preference.js";

restoreCookie();
applyTheme(readPreference());
followSystemTheme();
