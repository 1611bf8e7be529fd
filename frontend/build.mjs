// Builds the browser assets into src/fairlx/web/static/dist/: JavaScript bundles (esbuild), the CSS
// (Tailwind CLI, minified), Swagger UI and the favicon, each under a content-hashed name, plus
// manifest.json mapping logical names ("app.js") to the hashed files. Files of earlier builds are
// removed. `--watch` rebuilds on every change.
//
//   node build.mjs          production build
//   node build.mjs --watch  rebuild on change (Tailwind runs with --watch=always)

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const ROOT = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = resolve(ROOT, "../src/fairlx/web/static/dist");
const TAILWIND = join(ROOT, "node_modules/.bin/tailwindcss");
const CSS_INPUT = join(ROOT, "src/app.css");
const SWAGGER = join(ROOT, "node_modules/swagger-ui-dist");
const HASH_LENGTH = 12;

const SCRIPT_ENTRIES = {
  app: "src/app.js",
  theme: "src/theme.js",
  realtime: "src/realtime.js",
  "api-docs": "src/api-docs.js",
};
const GLOBAL_NAMES = { realtime: "FairlxRealtime" };

// Files copied as they are (minus source-map comments: the maps are not shipped).
const COPIED = {
  "swagger-ui.css": join(SWAGGER, "swagger-ui.css"),
  "swagger-ui-bundle.js": join(SWAGGER, "swagger-ui-bundle.js"),
  "favicon.svg": resolve(ROOT, "../src/fairlx/web/static/favicon.svg"),
};

const watching = process.argv.includes("--watch");

function hashedName(logicalName, contents) {
  const digest = createHash("sha256").update(contents).digest("hex").slice(0, HASH_LENGTH);
  const extension = extname(logicalName);
  return `${basename(logicalName, extension)}.${digest}${extension}`;
}

function withoutSourceMapComment(contents) {
  return contents.toString("utf8").replace(/\n?\/[/*][#@] sourceMappingURL=[^\n]*$/, "\n");
}

async function bundleScripts() {
  const outputs = {};
  for (const [name, entry] of Object.entries(SCRIPT_ENTRIES)) {
    const result = await esbuild.build({
      entryPoints: [join(ROOT, entry)],
      bundle: true,
      format: "iife",
      globalName: GLOBAL_NAMES[name],
      minify: !watching,
      sourcemap: watching ? "inline" : false,
      target: ["es2020"],
      legalComments: "eof",
      write: false,
      logLevel: "warning",
    });
    outputs[`${name}.js`] = result.outputFiles[0].contents;
  }
  return outputs;
}

function buildCss(outputFile) {
  const run = spawnSync(TAILWIND, ["-i", CSS_INPUT, "-o", outputFile, ...(watching ? [] : ["--minify"])], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`tailwindcss failed:\n${run.stderr}`);
  return readFileSync(outputFile);
}

function copiedFiles() {
  return Object.fromEntries(
    Object.entries(COPIED).map(([name, path]) => [name, Buffer.from(withoutSourceMapComment(readFileSync(path)))]),
  );
}

// Writes every file under its hashed name, then the manifest (atomically, last, so a server never
// reads a manifest naming files that are not there yet), then removes files no manifest names.
function publish(outputs) {
  mkdirSync(OUT_DIR, { recursive: true });
  const manifest = {};
  for (const name of Object.keys(outputs).sort()) {
    const fileName = hashedName(name, outputs[name]);
    manifest[name] = fileName;
    writeFileSync(join(OUT_DIR, fileName), outputs[name]);
  }
  const draft = join(OUT_DIR, ".manifest.json.tmp");
  writeFileSync(draft, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(draft, join(OUT_DIR, "manifest.json"));
  const keep = new Set([...Object.values(manifest), "manifest.json"]);
  for (const file of readdirSync(OUT_DIR)) {
    if (!keep.has(file)) rmSync(join(OUT_DIR, file), { force: true });
  }
  return manifest;
}

async function buildOnce(cssFile) {
  const started = performance.now();
  const outputs = { ...(await bundleScripts()), "app.css": buildCss(cssFile), ...copiedFiles() };
  const manifest = publish(outputs);
  const elapsed = Math.round(performance.now() - started);
  console.log(`built ${Object.keys(manifest).length} assets into ${OUT_DIR} in ${elapsed} ms`);
}

function debounce(action, delayMs) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(action, delayMs);
  };
}

// Tailwind watches the templates itself (--watch=always keeps it alive without a terminal); esbuild's
// inputs and Tailwind's output are watched here, and any change republishes everything.
async function watchAndRebuild(cssFile) {
  let scripts = await bundleScripts();
  const republish = debounce(() => {
    if (!existsSync(cssFile)) return;
    try {
      publish({ ...scripts, "app.css": readFileSync(cssFile), ...copiedFiles() });
      console.log(`rebuilt at ${new Date().toLocaleTimeString()}`);
    } catch (error) {
      console.error(error.message);
    }
  }, 100);

  const tailwind = spawn(TAILWIND, ["-i", CSS_INPUT, "-o", cssFile, "--watch=always"], { cwd: ROOT, stdio: "inherit" });
  process.on("SIGINT", () => tailwind.kill("SIGINT"));
  process.on("SIGTERM", () => tailwind.kill("SIGTERM"));
  tailwind.on("exit", (code) => process.exit(code ?? 0));

  watch(dirname(cssFile), republish);
  watch(join(ROOT, "src"), { recursive: true }, async (_event, file) => {
    if (!file?.endsWith(".js")) return;
    try {
      scripts = await bundleScripts();
      republish();
    } catch (error) {
      console.error(error.message);
    }
  });
  republish();
  console.log("watching for changes (Ctrl+C stops)");
}

const workDir = mkdtempSync(join(tmpdir(), "fairlx-assets-"));
const cssFile = join(workDir, "app.css");
if (watching) {
  process.on("exit", () => rmSync(workDir, { recursive: true, force: true }));
  await watchAndRebuild(cssFile);
} else {
  try {
    await buildOnce(cssFile);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
