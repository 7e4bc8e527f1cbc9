#!/usr/bin/env node
/* global console, URL */
// The build's second half (npm run build): tsc emits JavaScript only, so the files the compiled code
// reads beside itself are copied into dist/ here, at the same place relative to the code as in the
// checkout. Today that is the demo's certificates (demo/target.ts reads ./certs/ beside it).
// A file already there with the same bytes is left alone, so a build never rewrites a file that a
// running mailsla (or a parallel test) may be reading.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const ASSETS = ["demo/certs"];

function copy(from, to) {
  if (statSync(from).isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) copy(path.join(from, name), path.join(to, name));
    return;
  }
  const bytes = readFileSync(from);
  if (!existsSync(to) || !readFileSync(to).equals(bytes)) writeFileSync(to, bytes);
}

for (const dir of ASSETS) copy(path.join(root, dir), path.join(root, "dist", dir));
chmodSync(path.join(root, "dist/cli/main.js"), 0o755); // runnable as ./dist/cli/main.js too
console.log(`build: ${ASSETS.join(", ")} in dist/`);
