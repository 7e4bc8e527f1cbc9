#!/usr/bin/env node
/* global console, URL */
// The build's second half (npm run build): tsc emits JavaScript only, so the files the compiled code
// reads beside itself are copied into dist/ here, at the same place relative to the code as in the
// checkout. Today that is the demo's certificates (demo/target.ts reads ./certs/ beside it).
import { chmodSync, cpSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const ASSETS = ["demo/certs"];
for (const dir of ASSETS) cpSync(path.join(root, dir), path.join(root, "dist", dir), { recursive: true });
chmodSync(path.join(root, "dist/cli/main.js"), 0o755); // runnable as ./dist/cli/main.js too
console.log(`build: ${ASSETS.join(", ")} copied into dist/`);
