// Build web/dist from web/src and socket.io-client (installed by `npm ci`): no bundler, nothing fetched.
// dist/trialchat.js = socket.io-client's browser build and src/trialchat.js in one closure, so that embedding
// the widget is one script tag and the page's own globals (`io`, `module`, `define`) are left alone.
import { createRequire } from "node:module";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const src = join(here, "src");
const dist = join(here, "dist");

const sioPackage = require("socket.io-client/package.json");
const sioFile = join(dirname(require.resolve("socket.io-client/package.json")), "dist", "socket.io.min.js");
const sio = readFileSync(sioFile, "utf8").replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
const widget = readFileSync(join(src, "trialchat.js"), "utf8");

const bundle = [
  `/*! trialchat widget, with socket.io-client ${sioPackage.version} (MIT licence, notice below) */`,
  "(function () {",
  "var module = { exports: {} }, exports = module.exports, define;",
  sio,
  "var io = module.exports;",
  widget,
  "})();",
  "",
].join("\n");

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, "trialchat.js"), bundle);
for (const name of ["trialchat.css", "index.html", "demo.css"]) copyFileSync(join(src, name), join(dist, name));
console.log(`web: built ${dist} (socket.io-client ${sioPackage.version})`);
