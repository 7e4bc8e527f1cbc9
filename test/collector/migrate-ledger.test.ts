import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlaSource } from "../../collector/sla-source/wiring.js";
import { openStore } from "../../collector/store/index.js";
import { openPostgresStore } from "../../collector/store/postgres/index.js";
import type { CollectorStore } from "../../collector/store/types.js";
import { startPostgres, type PostgresServer } from "../stack/postgres.js";
import { tempDir } from "./fixtures.js";
import { checks, config, CONFIG_YAML, delivery, failing, HOUR, local } from "./sla-scenario.js";

/**
 * `mailsla migrate --from sqlite FILE --to postgres URL` moves a ledger holding two days of a
 * month with faults, deliveries and every kind of declaration, and the month computed from the
 * PostgreSQL ledger equals the month computed from the SQLite file, figure by figure.
 */

const REPO = join(import.meta.dirname, "../..");
const exec = promisify(execFile);
const mailsla = (...args: string[]) =>
  exec(process.execPath, [join(REPO, "dist/cli/main.js"), ...args], { cwd: REPO });

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(() => server?.stop());

/** Two days of February 2025: an mx outage seen by a quorum, an imap failure seen by one vantage point. */
async function fillLedger(store: CollectorStore): Promise<void> {
  const from = local("2025-02-10T00:00");
  const to = local("2025-02-12T00:00");
  const outage = failing(["a", "b"], local("2025-02-10T09:00"), local("2025-02-10T09:40"));
  const lone = failing(["c"], local("2025-02-11T03:00"), local("2025-02-11T05:00"));
  const batches = [
    checks("mx", "smtp", ["a", "b", "c"], from, to, outage),
    checks("imap", "imap", ["a", "b", "c"], from, to, lone),
    checks("submission", "submission", ["a", "b"], from, to),
  ];
  for (const batch of batches) {
    for (let i = 0; i < batch.length; i += 1000) {
      const part = batch.slice(i, i + 1000);
      await store.ingest(
        "a",
        part.map((payload) => ({ type: "check" as const, payload })),
        to,
      );
    }
  }
  const deliveries = [
    delivery("a", {
      direction: "receive",
      sentAt: from + HOUR,
      arrivedAt: from + HOUR + 30_000,
      delaySeconds: 30,
      errorBoundSeconds: 1,
    }),
    delivery("b", {
      direction: "send",
      sentAt: from + 2 * HOUR,
      arrivedAt: from + 2 * HOUR + 95_000,
      delaySeconds: 95,
      errorBoundSeconds: 1,
    }),
    delivery("a", { direction: "receive", sentAt: from + 3 * HOUR, outcome: "lost", ageSeconds: 86_400 }),
  ];
  await store.ingest(
    "a",
    deliveries.map((payload) => ({ type: "delivery" as const, payload })),
    to,
  );
  await store.maintenance.declare({
    id: "w1",
    start: local("2025-02-11T01:00"),
    end: local("2025-02-11T02:00"),
    announcedAt: local("2025-02-09T10:00"),
    services: ["imap"],
    description: "upgrade",
    declaredAt: local("2025-02-09T10:00"),
  });
  await store.forceMajeure.declare({
    id: "f1",
    start: local("2025-02-10T09:20"),
    end: local("2025-02-10T09:30"),
    reason: "power cut in the data centre",
    declaredAt: to,
  });
  await store.annotations.patch(
    `north@${new Date(local("2025-02-10T09:01")).toISOString()}`,
    { cause: "bad deploy", affectedUsers: 1000 },
    to,
    local("2025-02-10T09:41"),
  );
  await store.manual.upsert("2025-02", [{ clause: "7.1.6", value: 0.04, note: "ticket system" }], to);
}

describe("mailsla migrate --from sqlite --to postgres", () => {
  it("moves the ledger and the month's figures are the same before and after; a second run copies nothing", async () => {
    const file = join(tempDir(), "collector.sqlite");
    const now = local("2025-03-05T10:00");
    const cfg = config();
    const sqlite = openStore(file);
    await fillLedger(sqlite);
    const before = await createSlaSource(sqlite, cfg, { now: () => now }).month("2025-02");
    const counts = await sqlite.results.counts();
    await sqlite.close();
    expect(before.result.incidents.length).toBeGreaterThan(0);
    expect(before.result.figures.faultMinutes.value).toBeGreaterThan(0);

    const url = await server.database();
    const first = await mailsla("migrate", "--from", "sqlite", file, "--to", "postgres", url);
    expect(first.stdout).toContain(`check_results: ${counts.checks} row(s) read, ${counts.checks} copied\n`);
    expect(first.stdout).toContain("delivery_results: 3 row(s) read, 3 copied\n");
    expect(first.stdout).toContain("maintenance_windows: 1 row(s) read, 1 copied\n");
    expect(first.stdout).toContain("incident_annotations: 1 row(s) read, 1 copied\n");
    const again = await mailsla("migrate", "--from", "sqlite", file, "--to", "postgres", url);
    expect(again.stdout).toContain(
      `check_results: ${counts.checks} row(s) read, 0 copied, ${counts.checks} already there\n`,
    );

    const pg = await openPostgresStore({ url });
    try {
      expect(await pg.results.counts()).toEqual(counts);
      const after = await createSlaSource(pg, cfg, { now: () => now }).month("2025-02");
      expect(after).toEqual(before);
      expect(after.result.incidents[0]!.annotations?.[0]?.cause).toBe("bad deploy");
    } finally {
      await pg.close();
    }

    // `mailsla report` reads either ledger as the configuration names it, with the same figures.
    const dir = tempDir();
    const sqliteConfig = join(dir, "sqlite.yaml");
    const pgConfig = join(dir, "postgres.yaml");
    writeFileSync(sqliteConfig, `${CONFIG_YAML}collector: { dataDir: "${dirname(file)}" }\n`);
    writeFileSync(
      pgConfig,
      `${CONFIG_YAML}collector: { dataDir: "${dir}", store: { postgres: { url: "${url}" } } }\n`,
    );
    const report = async (config: string) => {
      const { stdout } = await mailsla(
        "report",
        "--config",
        config,
        "--month",
        "2025-02",
        "--format",
        "json",
      );
      return (JSON.parse(stdout) as { indicators: unknown[] }).indicators;
    };
    const fromSqlite = await report(sqliteConfig);
    expect(fromSqlite.length).toBeGreaterThan(10);
    expect(await report(pgConfig)).toEqual(fromSqlite);
  }, 120_000);

  it("refuses a source or target it cannot name, saying what it expected", async () => {
    await expect(
      mailsla("migrate", "--from", "mysql", "x", "--to", "postgres", "postgres://h/db"),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('--from: expected "--from sqlite FILE", got "mysql x"'),
    });
    await expect(
      mailsla(
        "migrate",
        "--from",
        "sqlite",
        "/nonexistent/ledger.sqlite",
        "--to",
        "postgres",
        `postgres://mailsla@127.0.0.1:${server.port}/postgres`,
      ),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining("/nonexistent/ledger.sqlite: no such file"),
    });
  });
});
