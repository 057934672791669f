// Builds static/vendor/codemirror/editor.bundle.js from frontend/editor/index.js.
// Run with `npm run build:editor` (or `make assets`) after `npm ci`. The output is committed:
// npm is never needed to run or test the host.
import { build } from "esbuild";
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "frontend", "editor", "index.js");
const outfile = join(root, "static", "vendor", "codemirror", "editor.bundle.js");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));

// Name every bundled package with the exact version from the lock file.
const bundled = Object.entries(lock.packages)
  .filter(([path]) => path.startsWith("node_modules/") && !path.includes("esbuild"))
  .map(([path, info]) => `${path.slice("node_modules/".length)}@${info.version}`)
  .sort();

const banner = [
  "/*!",
  " * OpenAlgo Strategy Host editor bundle: CodeMirror 6 (MIT, https://codemirror.net) with Python support.",
  ` * Built from frontend/editor/index.js by \`npm run build:editor\` (scripts/build-editor.mjs, esbuild ${pkg.devDependencies.esbuild}).`,
  " * Do not edit by hand. Packages:",
  ...chunk(bundled, 4).map((group) => ` *   ${group.join(", ")}`),
  " */",
].join("\n");

function chunk(items, size) {
  const groups = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: "esm",
  minify: true,
  target: ["es2020"],
  legalComments: "none",
  banner: { js: banner },
  logLevel: "warning",
});

const size = statSync(outfile).size;
console.log(`built ${outfile.slice(root.length + 1)} (${(size / 1024).toFixed(1)} KiB)`);
