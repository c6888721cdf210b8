// Build web/dist from web/src and socket.io-client (installed by `npm ci`): no bundler, nothing fetched.
// dist/trialchat.js = socket.io-client's browser build, the message catalogues src/locales/*.json and
// src/trialchat.js in one closure, so that embedding the widget is one script tag (nothing else is fetched at run
// time) and the page's own globals (`io`, `module`, `define`) are left alone.
// The catalogues are checked first: each has exactly the keys of en.json, every text is a non-empty string, and
// every text has the same {placeholders} as the English one; the build stops on any mistake.
import { createRequire } from "node:module";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const src = join(here, "src");
const dist = join(here, "dist");
const locales = join(src, "locales");

const sioPackage = require("socket.io-client/package.json");
const sioFile = join(dirname(require.resolve("socket.io-client/package.json")), "dist", "socket.io.min.js");
const sio = readFileSync(sioFile, "utf8").replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
const widget = readFileSync(join(src, "trialchat.js"), "utf8");

function placeholders(text) {
  return [...new Set(text.match(/\{\w+\}/g) || [])].sort().join(" ");
}

const catalogues = {};
for (const file of readdirSync(locales).filter((name) => name.endsWith(".json")).sort()) {
  const code = file.replace(/\.json$/, "");
  if (!/^[a-z]{2}$/.test(code)) throw new Error(`web: ${file}: a catalogue is named after its language (xx.json)`);
  catalogues[code] = JSON.parse(readFileSync(join(locales, file), "utf8"));
}
if (!catalogues.en) throw new Error("web: src/locales/en.json is missing");
const problems = [];
for (const [code, messages] of Object.entries(catalogues)) {
  for (const [key, english] of Object.entries(catalogues.en)) {
    const text = messages[key];
    if (typeof text !== "string" || !text.trim()) problems.push(`${code}.json: "${key}" is missing or empty`);
    else if (placeholders(text) !== placeholders(english)) {
      problems.push(`${code}.json: "${key}" has "${placeholders(text)}", English has "${placeholders(english)}"`);
    }
  }
  for (const key of Object.keys(messages)) {
    if (!(key in catalogues.en)) problems.push(`${code}.json: "${key}" is not in en.json`);
  }
}
if (problems.length) {
  console.error("web: the message catalogues in src/locales do not agree:\n  " + problems.join("\n  "));
  process.exit(1);
}

const bundle = [
  `/*! trialchat widget, with socket.io-client ${sioPackage.version} (MIT licence, notice below) */`,
  "(function () {",
  "var module = { exports: {} }, exports = module.exports, define;",
  sio,
  "var io = module.exports;",
  // JSON is valid JavaScript; U+2028/U+2029 are escaped for older engines, "<" so the bundle can never close a tag.
  "var catalogues = " + JSON.stringify(catalogues).replace(/[\u2028\u2029<]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")) + ";",
  widget,
  "})();",
  "",
].join("\n");

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, "trialchat.js"), bundle);
for (const name of ["trialchat.css", "index.html", "demo.css", "demo.js"]) copyFileSync(join(src, name), join(dist, name));
console.log(`web: built ${dist} (socket.io-client ${sioPackage.version}; languages ${Object.keys(catalogues).join(", ")})`);

