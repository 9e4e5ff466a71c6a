// Copies the front-end files the pages use from node_modules into
// retecup/web/static/vendor/ (and axe-core for the browser tests), so that a
// clone runs without npm. Run with `npm ci && npm run vendor`.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const modules = join(root, "node_modules");
const vendor = join(root, "retecup", "web", "static", "vendor");
const italia = join(modules, "bootstrap-italia", "dist");

// Only woff2: every browser the pages support reads it, and the other
// formats would triple the size of the vendored fonts.
const fonts = [
  "Titillium_Web/titillium-web-v10-latin-ext_latin-300.woff2",
  "Titillium_Web/titillium-web-v10-latin-ext_latin-regular.woff2",
  "Titillium_Web/titillium-web-v10-latin-ext_latin-600.woff2",
  "Titillium_Web/titillium-web-v10-latin-ext_latin-700.woff2",
  "Titillium_Web/OFL.txt",
  "Roboto_Mono/roboto-mono-v13-latin-ext_latin-regular.woff2",
  "Roboto_Mono/roboto-mono-v13-latin-ext_latin-700.woff2",
  "Roboto_Mono/LICENSE.txt",
  "Lora/lora-v20-latin-ext_latin-regular.woff2",
  "Lora/lora-v20-latin-ext_latin-700.woff2",
  "Lora/OFL.txt",
];

const copies = [
  [join(italia, "css", "bootstrap-italia.min.css"),
   join(vendor, "bootstrap-italia", "css", "bootstrap-italia.min.css")],
  [join(italia, "svg", "sprites.svg"),
   join(vendor, "bootstrap-italia", "svg", "sprites.svg")],
  [join(modules, "bootstrap-italia", "LICENSE"),
   join(vendor, "bootstrap-italia", "LICENSE")],
  ...fonts.map((f) => [join(italia, "fonts", f),
                       join(vendor, "bootstrap-italia", "fonts", f)]),
  [join(modules, "htmx.org", "dist", "htmx.min.js"),
   join(vendor, "htmx", "htmx.min.js")],
  [join(modules, "htmx.org", "LICENSE"), join(vendor, "htmx", "LICENSE")],
  // The API's /docs page, served from here: it must work with no internet.
  ...["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"].map((f) => [
    join(modules, "swagger-ui-dist", f), join(vendor, "swagger-ui", f)]),
  [join(modules, "axe-core", "axe.min.js"),
   join(root, "tests", "browser", "assets", "axe.min.js")],
];

rmSync(vendor, { recursive: true, force: true });
for (const [from, to] of copies) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

const versions = Object.fromEntries(
  ["bootstrap-italia", "htmx.org", "axe-core", "swagger-ui-dist"].map((name) => [
    name,
    JSON.parse(readFileSync(join(modules, name, "package.json"))).version,
  ]),
);
console.log("vendored", copies.length, "files", versions);
