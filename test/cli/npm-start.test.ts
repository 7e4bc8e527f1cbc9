/**
 * `npm start` as the README runs it, stopped the way a service manager or `kill` stops it: SIGTERM
 * to the npm process. Everything it started (the shell, if any, and node with the demo, collector
 * and agent) must be gone within 5 s, and the ports closed: no orphan keeps probing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { allGone, descendants, start, type Started } from "./process.js";

let npm: Started | undefined;
const dir = mkdtempSync(path.join(tmpdir(), "mailsla-npm-start-"));

afterAll(async () => {
  await npm?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("SIGTERM to the npm start process stops everything within 5 s", async () => {
  const ports = ["--listen", "127.0.0.1:0", "--collector-listen", "127.0.0.1:0"];
  npm = start("npm", ["start", "--", "--data-dir", dir, ...ports], { env: { ...process.env } });
  const intro = await npm.waitFor(/status page: +http:\/\/\S+/, 120_000);
  const url = intro.match(/status page: +(http:\/\/\S+)/)![1]!;
  expect((await fetch(url)).status).toBe(200);
  const tree = [npm.child.pid!, ...descendants(npm.child.pid!)];
  expect(tree.length).toBeGreaterThan(1); // npm and the node it started

  process.kill(npm.child.pid!, "SIGTERM");
  const ms = await allGone(tree, 5_000);
  console.log(`npm start: ${tree.length} processes gone ${ms} ms after SIGTERM`);
  await expect(fetch(url)).rejects.toThrow(); // nothing listens there any more
}, 180_000);
