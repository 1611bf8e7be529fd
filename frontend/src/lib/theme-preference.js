// The colour theme: "light", "dark" or "system". The choice lives in the `fairlx-theme` cookie (so the
// server can render `class="dark"` and avoid a flash) and in localStorage (so it survives a cleared cookie).

export const THEME_COOKIE = "fairlx-theme";
export const THEMES = ["light", "dark", "system"];
const ONE_YEAR_SECONDS = 60 * 60 * 24 * 365;
const darkQuery = window.matchMedia("(prefers-color-scheme: dark)");

function readCookie(name) {
  const prefix = `${name}=`;
  const found = document.cookie.split("; ").find((part) => part.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : null;
}

function readStorage() {
  try {
    return window.localStorage.getItem(THEME_COOKIE);
  } catch {
    return null; // storage can be disabled; the cookie still works
  }
}

export function readPreference() {
  const stored = readCookie(THEME_COOKIE) ?? readStorage();
  return THEMES.includes(stored) ? stored : "system";
}

function writeCookie(preference) {
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${THEME_COOKIE}=${preference}; Path=/; Max-Age=${ONE_YEAR_SECONDS}; SameSite=Lax${secure}`;
}

// A choice kept only in localStorage (cookie expired or cleared) is written back to the cookie,
// so the next page is server-rendered in the right theme.
export function restoreCookie() {
  const stored = readStorage();
  if (readCookie(THEME_COOKIE) === null && THEMES.includes(stored)) writeCookie(stored);
}

export function applyTheme(preference) {
  const dark = preference === "dark" || (preference === "system" && darkQuery.matches);
  const root = document.documentElement;
  root.classList.toggle("dark", dark);
  root.dataset.theme = preference;
}

export function savePreference(preference) {
  if (!THEMES.includes(preference)) return;
  writeCookie(preference);
  try {
    window.localStorage.setItem(THEME_COOKIE, preference);
  } catch {
    // the cookie alone is enough
  }
  applyTheme(preference);
  document.dispatchEvent(new CustomEvent("fairlx:theme", { detail: { preference } }));
}

export function followSystemTheme() {
  darkQuery.addEventListener("change", () => {
    if (readPreference() === "system") applyTheme("system");
  });
}
