/**
 * The package as a user gets it: `npm pack`, then `npm install -g` of the tarball into an empty
 * prefix (the README's install command, with --prefix instead of the system's), and `mailsla` run
 * from there with plain node: its version, the shipped example validated, and the demo started
 * (native SQLite built, the demo's certificates found beside the compiled code, its TLS services up).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO, start } from "./process.js";

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), "mailsla-pack-"));
const prefix = path.join(dir, "prefix");
const bin = path.join(prefix, "bin", "mailsla");
const installed = path.join(prefix, "lib", "node_modules", "mailsla");
const version = (JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string })
  .version;

beforeAll(async () => {
  // dist/ is built by the run (test/global-setup.ts): pack it as it is, without a second build
  const args = ["pack", "--silent", "--ignore-scripts", "--pack-destination", dir];
  const packed = await run("npm", args, { cwd: REPO });
  const tarball = path.join(dir, packed.stdout.trim().split("\n").pop()!);
  const flags = ["--allow-scripts=better-sqlite3", "--prefer-offline", "--no-audit", "--no-fund"];
  await run("npm", ["install", "-g", "--prefix", prefix, ...flags, tarball], {
    cwd: dir,
    maxBuffer: 16 << 20,
  });
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("installs a mailsla command that prints its version", async () => {
  const { stdout } = await run(bin, ["--version"], { cwd: dir });
  expect(stdout.trim()).toBe(version);
});

it("ships the example configuration and its environment, which validate", async () => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  for (const line of readFileSync(path.join(installed, "config/example.env"), "utf8").split("\n"))
    if (/^[A-Z0-9_]+=/.test(line)) env[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
  const example = path.join(installed, "config/mailsla.example.yaml");
  const { stdout } = await run(bin, ["validate", "--config", example], { cwd: dir, env });
  expect(stdout).toContain("valid. Example Mail");
});

it("runs the demo from the installed package", async () => {
  const args = ["run", "--data-dir", path.join(dir, "demo"), "--listen", "127.0.0.1:0"];
  const demo = start(bin, [...args, "--collector-listen", "127.0.0.1:0"], {
    cwd: dir,
    env: { ...process.env, MAILSLA_DEMO_SCRIPT: "off" },
  });
  try {
    const intro = await demo.waitFor(/ check --config .*\n/);
    // not on PATH: printed as its path from the directory the demo started in
    expect(intro).toContain("prefix/bin/mailsla check --config demo/mailsla.yaml");
    const url = intro.match(/status page: +(http:\/\/\S+)/)![1]!;
    expect((await fetch(url)).status).toBe(200); // the ledger (native SQLite) answers
  } finally {
    await demo.stop();
  }
}, 60_000);
