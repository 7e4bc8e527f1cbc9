/**
 * Honest health, against the real collector and a real file system: on a full disk (a small tmpfs
 * the test mounts) /readyz says the ledger cannot commit and ingest answers 503, both heal when space
 * returns; below the free-space margin /readyz says so before a write fails; a ledger damaged in the
 * middle is refused at start with the file named and the remedy given. Needs root (mount), as the
 * whole suite does (scripts/install-deps.sh).
 */
import { execFileSync } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../collector/store/index.js";
import { salvageLedger } from "../../collector/store/salvage.js";
import { checkResult, tempDir } from "./fixtures.js";
import { ledgerOf, trustCollector } from "./trust.js";

const recent = () => Date.now() - 60_000;
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const f of cleanups.reverse()) f();
});

/** A tmpfs of `mib` MiB mounted on a new temporary directory, unmounted after the file's tests. */
function smallDisk(mib: number): string {
  if (process.getuid?.() !== 0) {
    throw new Error("this test mounts a tmpfs to fill a disk: run the suite as root (as CI and npm test do)");
  }
  const dir = tempDir("mailsla-fulldisk-");
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${mib}m`, "tmpfs", dir]);
  cleanups.push(() => {
    execFileSync("umount", [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Writes zeros to `file` until the file system is full. */
function fill(file: string): void {
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { conditions: { name: string; ok: boolean }[] } };
};
const condition = (body: { conditions: { name: string; ok: boolean }[] }, name: string) =>
  body.conditions.find((c) => c.name === name)?.ok;

describe("readiness", () => {
  it("on a full disk: not ready, ingest 503, nothing lost once space returns", async () => {
    const disk = smallDisk(8);
    const c = await trustCollector({ dataDir: join(disk, "data"), limits: "{ minFreeBytes: 0 }" });
    try {
      expect((await readyz(c.url)).status).toBe(200);
      fill(join(disk, "filler"));
      const batch = Array.from({ length: 200 }, () => ({
        type: "check",
        payload: checkResult("a", { startedAt: recent() }),
      }));
      const refused = await c.ingest("a", batch);
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe("MAILSLA_STORE_UNAVAILABLE");
      const r = await readyz(c.url);
      expect(r.status).toBe(503);
      expect(condition(r.body, "ledger-write")).toBe(false);
      expect((await fetch(`${c.url}/healthz`)).status).toBe(200); // alive: a restart would not help
      const metrics = await (await fetch(`${c.url}/metrics`)).text();
      expect(metrics).toMatch(/mailsla_collector_ready\{condition="all"\} 0/);

      rmSync(join(disk, "filler"));
      await new Promise((res) => setTimeout(res, 1100)); // readiness writes at most once a second
      expect((await readyz(c.url)).status).toBe(200);
      const again = await c.ingest("a", batch);
      expect(again).toMatchObject({ status: 200, body: { accepted: 200 } });
    } finally {
      await c.close();
    }
  });

  it("below the free-space margin: not ready before any write fails", async () => {
    const disk = smallDisk(8);
    const c = await trustCollector({ dataDir: join(disk, "data"), limits: "{ minFreeBytes: 16777216 }" });
    try {
      const r = await readyz(c.url);
      expect(r.status).toBe(503);
      expect(condition(r.body, "disk-space")).toBe(false);
      expect(condition(r.body, "ledger-write")).toBe(true);
      expect(JSON.stringify(r.body)).toContain("collector.limits.minFreeBytes");
    } finally {
      await c.close();
    }
  });

  it("a ledger damaged in the middle is refused at start, naming the file and the remedy", async () => {
    const dataDir = tempDir("mailsla-damaged-");
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const file = ledgerOf(dataDir);
    const store = openStore(file);
    const records = Array.from({ length: 3000 }, () => ({
      type: "check" as const,
      payload: checkResult("a", { startedAt: recent(), details: { banner: "x".repeat(200) } }),
    }));
    await store.ingest("a", records, Date.now());
    await store.close();
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(100 * 4096);
    // Garbage over pages in the middle of the file (never the header page).
    const fd = openSync(file, "r+");
    writeSync(fd, Buffer.alloc(8 * 4096, 0xa5), 0, 8 * 4096, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    expect(readFileSync(file).subarray(0, 16).toString("latin1")).toBe("SQLite format 3\u0000");
    await expect(trustCollector({ dataDir })).rejects.toThrow(
      new RegExp(
        `the ledger ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is damaged .*restore the file from a backup.*mailsla ledger salvage`,
      ),
    );

    // The remedy the message names: copy out what is readable, start on the new file.
    const saved = tempDir("mailsla-salvaged-");
    cleanups.push(() => rmSync(saved, { recursive: true, force: true }));
    const report = salvageLedger(file, ledgerOf(saved));
    const checks = report.tables.find((t) => t.table === "check_results")!;
    expect(checks.damagedRanges).toBeGreaterThan(0);
    expect(checks.copied).toBeGreaterThan(2000);
    expect(checks.copied).toBeLessThan(3000);
    const c = await trustCollector({ dataDir: saved });
    try {
      expect((await readyz(c.url)).status).toBe(200);
      expect((await c.counts()).checks).toBe(checks.copied);
    } finally {
      await c.close();
    }
  });
});
