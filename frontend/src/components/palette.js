// The command palette (search/palette.html): Ctrl+K / Cmd+K, or "/" outside a text field, opens it on
// any signed-in page. Typing searches /api/v1/search (debounced, the older request cancelled); hits are
// grouped (tasks, projects, spaces, then the fixed pages), the arrow keys move through them, Enter opens
// the active one and Escape closes. The input is an ARIA combobox naming the active option.

const DEBOUNCE_MS = 150;
const TASK_HITS = 8;
const OTHER_HITS = 4;
const OPTION_ID = "palette-option-";

export function openPalette() {
  window.dispatchEvent(new CustomEvent("open-palette"));
}

// The server's escaped HTML with <mark>ed matches, as text parts the template renders with x-text.
function markedParts(html) {
  const body = new DOMParser().parseFromString(html, "text/html").body;
  return [...body.childNodes].map((node) => ({ text: node.textContent, mark: node.nodeName === "MARK" }));
}

function plainParts(text) {
  return [{ text, mark: false }];
}

function isTyping(target) {
  return Boolean(target?.closest?.("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
}

function fixedPages(workspaceId) {
  const pages = [
    { key: "home", label: "Home", hint: "Your workspaces", url: "/home" },
    { key: "my-work", label: "My work", hint: "Tasks assigned to you", url: "/my-work" },
    { key: "settings", label: "Settings", hint: "Your account", url: "/settings" },
  ];
  if (workspaceId) {
    pages.push({ key: "workspace", label: "Workspace settings", hint: "This workspace", url: `/workspaces/${workspaceId}/settings` });
  }
  return pages;
}

function taskEntry(hit) {
  return {
    kind: "task",
    key: hit.key,
    parts: markedParts(hit.title_html),
    hint: hit.status ? hit.status.name : "",
    detail: `${hit.project.name} · ${hit.workspace.name}`,
    color: hit.status ? hit.status.color : "transparent",
    url: hit.url,
  };
}

function namedEntry(kind) {
  return (hit) => ({
    kind,
    key: hit.key,
    parts: plainParts(hit.name),
    hint: hit.workspace.name,
    detail: "",
    color: "transparent",
    url: hit.url,
  });
}

function pageEntry(page) {
  return { kind: "page", key: "", parts: plainParts(page.label), hint: page.hint, detail: "", color: "transparent", url: page.url };
}

export function registerPalette(Alpine) {
  Alpine.data("commandPalette", () => ({
    query: "",
    results: null, // the last answer for `searched`
    searched: "",
    loading: false,
    failed: false,
    active: 0,
    timer: null,
    inFlight: null,
    opener: null,

    init() {
      this.pages = fixedPages(this.$el.dataset.workspaceId);
      window.addEventListener("keydown", (event) => this.onGlobalKey(event));
      window.addEventListener("open-palette", () => this.open());
      this.$el.addEventListener("close", () => this.restoreFocus());
      this.$el.addEventListener("click", (event) => {
        if (event.target === this.$el) this.close();
      });
    },

    onGlobalKey(event) {
      const wantsPalette = (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k";
      if (wantsPalette) {
        event.preventDefault();
        if (this.$el.open) this.close();
        else this.open();
      } else if (event.key === "/" && !event.ctrlKey && !event.metaKey && !this.$el.open && !isTyping(event.target)) {
        event.preventDefault();
        this.open();
      }
    },

    open() {
      if (this.$el.open) return;
      this.opener = document.activeElement;
      this.$el.showModal();
      this.$refs.input.focus();
      this.$refs.input.select();
    },

    close() {
      if (this.$el.open) this.$el.close();
    },

    restoreFocus() {
      this.opener?.focus?.();
      this.opener = null;
    },

    // ── searching ──

    typed() {
      clearTimeout(this.timer);
      this.active = 0;
      this.failed = false;
      if (!this.query.trim()) {
        this.inFlight?.abort();
        this.loading = false;
        this.results = null;
        this.searched = "";
        return;
      }
      this.loading = true;
      this.timer = setTimeout(() => this.fetchResults(this.query.trim()), DEBOUNCE_MS);
    },

    async fetchResults(query) {
      this.inFlight?.abort();
      const request = new AbortController();
      this.inFlight = request;
      const params = new URLSearchParams({ q: query, limit: String(TASK_HITS) });
      try {
        const response = await fetch(`/api/v1/search?${params}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          signal: request.signal,
        });
        if (!response.ok) throw new Error(`search answered ${response.status}`);
        this.results = await response.json();
        this.searched = query;
      } catch (error) {
        if (error.name === "AbortError") return;
        this.failed = true;
        this.results = null;
      }
      if (this.inFlight === request) {
        this.loading = false;
        this.inFlight = null;
      }
    },

    // ── what the list shows ──

    get groups() {
      const groups = [];
      const add = (name, entries) => {
        if (entries.length) groups.push({ name, id: `palette-group-${groups.length}`, entries });
      };
      const results = this.results;
      if (results) {
        add("Tasks", results.tasks.map(taskEntry));
        add("Projects", results.projects.slice(0, OTHER_HITS).map(namedEntry("project")));
        add("Spaces", results.spaces.slice(0, OTHER_HITS).map(namedEntry("space")));
      }
      if (results && groups.length) {
        const all = `/search?${new URLSearchParams({ q: this.searched })}`;
        add("Search", [{ kind: "search", key: "", parts: plainParts(`See all results for “${this.searched}”`), hint: "", detail: "", color: "transparent", url: all }]);
      }
      const wanted = this.query.trim().toLowerCase();
      add("Pages", this.pages.filter((page) => page.label.toLowerCase().includes(wanted)).map(pageEntry));
      let index = 0;
      for (const group of groups) {
        for (const entry of group.entries) {
          entry.index = index;
          entry.id = `${OPTION_ID}${index}`;
          entry.selected = index === this.active;
          index += 1;
        }
      }
      return groups;
    },

    get entries() {
      return this.groups.flatMap((group) => group.entries);
    },

    get activeId() {
      return this.entries.length ? `${OPTION_ID}${this.active}` : "";
    },

    get showEmpty() {
      return Boolean(this.query.trim()) && !this.loading && !this.failed && this.results !== null && this.entries.length === 0;
    },

    get showLoading() {
      return this.loading && this.results === null;
    },

    // ── keys and pointer ──

    onKey(event) {
      const count = this.entries.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (count) this.moveTo((this.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count);
      } else if (event.key === "Home" && event.ctrlKey) {
        event.preventDefault();
        this.moveTo(0);
      } else if (event.key === "End" && event.ctrlKey) {
        event.preventDefault();
        this.moveTo(Math.max(0, count - 1));
      } else if (event.key === "Enter") {
        event.preventDefault();
        const entry = this.entries[this.active];
        if (entry) this.go(entry.url);
      } else if (event.key === "Tab") {
        event.preventDefault(); // the input keeps focus: options are reached with the arrow keys
      }
    },

    moveTo(index) {
      this.active = index;
      this.$nextTick(() => document.getElementById(`${OPTION_ID}${index}`)?.scrollIntoView({ block: "nearest" }));
    },

    hover() {
      const index = Number(this.$el.dataset.index);
      if (index !== this.active) this.active = index;
    },

    go(url) {
      this.close();
      window.location.assign(url);
    },
  }));

  Alpine.data("paletteTrigger", () => ({
    open() {
      openPalette();
    },
  }));
}
