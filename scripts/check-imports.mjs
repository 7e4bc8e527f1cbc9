#!/usr/bin/env node
/* global process, console, URL */
// Which top-level folder may import which (README, "Architecture"). npm test fails on any other
// relative import, so the contract between agent and collector stays the only bridge between them.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** folder -> folders it may import besides itself (npm packages are not checked here). */
const ALLOWED = {
  config: [],
  contract: ["config"],
  probes: ["contract", "config"],
  collector: ["contract", "config", "alerts"],
  demo: ["contract", "config"],
  alerts: ["contract", "config"],
  dashboards: ["contract", "config", "alerts", "collector"],
  cli: ["contract", "config", "probes", "collector", "demo", "alerts", "dashboards"],
};
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const problems = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|mts)$/.test(name)) check(p);
  }
}
function check(file) {
  const from = path.relative(root, file).split(path.sep)[0];
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/(?:from\s+|import\s*\(?\s*)"(\.{1,2}\/[^"]+)"/g)) {
    const to = path.relative(root, path.resolve(path.dirname(file), m[1])).split(path.sep)[0];
    if (to !== from && !ALLOWED[from].includes(to)) {
      const line = text.slice(0, m.index).split("\n").length;
      problems.push(`${path.relative(root, file)}:${line}: ${from}/ may not import ${to}/ (${m[1]})`);
    }
  }
}
for (const folder of Object.keys(ALLOWED)) walk(path.join(root, folder));
if (problems.length > 0) {
  console.error(`import boundaries (README, Architecture) broken:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`imports: ${Object.keys(ALLOWED).length} folders within their boundaries`);
