import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compactDue, retentionBoundary } from "../../collector/retention.js";
import { admissionRules, admittedIngestBody } from "../../collector/routes/admission.js";
import { sourceContext } from "../../collector/sla-source/input.js";
import { parseConfigText } from "../../config/load.js";
import { createSlaSource } from "../../collector/sla-source/wiring.js";
import { compactionRules, compactLedger } from "../../collector/store/compact-ledger.js";
import { openStore } from "../../collector/store/index.js";
import { openPostgresStore } from "../../collector/store/postgres/index.js";
import type { CollectorStore } from "../../collector/store/types.js";
import type { ProbeResult } from "../../contract/result.js";
import { startPostgres, type PostgresServer } from "../stack/postgres.js";
import { tempDir } from "./fixtures.js";
import { checks, config, CONFIG_YAML, failing, local } from "./sla-scenario.js";

/**
 * Compaction keeps the figures: a ledger with faults of every shape (crossing a month's end, one
 * failure short of a fault, exactly a fault, agents silent, results that do not count, several
 * codes) gives the same months and year from compacted runs as from raw results, on both stores;
 * compacting twice changes nothing, and compacting in two steps ends where one step does.
 */

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(() => server?.stop());

const NOW = local("2025-03-05T10:00");

/** Eleven days from January 28 to February 8, 2025 (Shanghai) of mx and imap from three vantage points. */
function results(): ProbeResult[] {
  const from = local("2025-01-28T00:00");
  const to = local("2025-02-08T00:00");
  const crossing = failing(["a", "b"], local("2025-01-31T23:30"), local("2025-02-01T00:40"));
  const short = failing(["a", "b", "c"], local("2025-02-02T10:00"), local("2025-02-02T10:01")); // 1 < 2 in a row
  const exact = failing(["a", "b"], local("2025-02-03T10:00"), local("2025-02-03T10:02")); // exactly 2
  const long = failing(["a", "b", "c"], local("2025-02-05T01:00"), local("2025-02-05T04:00"));
  const mx = checks(
    "mx",
    "smtp",
    ["a", "b", "c"],
    from,
    to,
    (v, t) => crossing(v, t) || short(v, t) || exact(v, t) || long(v, t),
  );
  const lone = failing(["c"], local("2025-02-06T00:00"), local("2025-02-06T06:00"));
  const imap = checks("imap", "imap", ["a", "b", "c"], from, to, lone);
  const silentA = (r: ProbeResult) =>
    r.vantage === "a" && r.startedAt >= local("2025-02-04T08:00") && r.startedAt < local("2025-02-04T09:30");
  const silentAll = (r: ProbeResult) =>
    r.startedAt >= local("2025-02-07T03:00") && r.startedAt < local("2025-02-07T03:20");
  return [...mx, ...imap]
    .filter((r) => !silentA(r) && !silentAll(r))
    .map((r) => {
      if (
        r.check === "imap" &&
        r.startedAt >= local("2025-02-01T12:00") &&
        r.startedAt < local("2025-02-01T12:30") &&
        r.vantage === "b"
      ) {
        return {
          ...r,
          ok: false,
          error: { code: "login-delay", stage: "auth", message: "[LOGIN-DELAY]" },
        } as ProbeResult;
      }
      if (r.check === "mx" && !r.ok && r.startedAt >= local("2025-02-05T02:00")) {
        return {
          ...r,
          error: { code: "timeout", stage: "banner", message: "no banner in 30 s" },
        } as ProbeResult;
      }
      return r;
    });
}

async function fill(store: CollectorStore, all: readonly ProbeResult[]): Promise<void> {
  for (let i = 0; i < all.length; i += 2000) {
    const part = all.slice(i, i + 2000).map((payload) => ({ type: "check" as const, payload }));
    await store.ingest("a", part, NOW);
  }
}

async function figures(store: CollectorStore) {
  const source = createSlaSource(store, config(), { now: () => NOW });
  return {
    january: await source.month("2025-01"),
    february: await source.month("2025-02"),
    year: await source.year("2025"),
  };
}

function sameFiguresOnCompaction(engine: string, open: () => Promise<CollectorStore>) {
  it(`${engine}: months and year from compacted runs equal those from raw results`, async () => {
    const store = await open();
    try {
      const all = results();
      await fill(store, all);
      const raw = await figures(store);
      expect(raw.february.result.incidents.length).toBeGreaterThanOrEqual(3);
      expect(raw.january.result.incidents.length).toBeGreaterThanOrEqual(1);
      const rules = compactionRules(sourceContext(config()).setup);

      // Two steps (a boundary in the middle of a fault-free stretch, then the rest) ...
      const first = await compactLedger(store, rules, local("2025-02-03T00:00"));
      expect(first.rawRemoved).toBeGreaterThan(0);
      expect(await figures(store)).toEqual(raw);
      const second = await compactLedger(store, rules, local("2025-03-01T00:00"));
      expect(first.rawRemoved + second.rawRemoved).toBe(all.length);
      expect((await store.results.counts()).checks).toBe(0);
      const runs = await store.compaction.runCount();
      expect(runs).toBeLessThan(all.length / 100);
      expect(await figures(store)).toEqual(raw);

      // ... and again: nothing left to do, nothing changes.
      expect(await compactLedger(store, rules, local("2025-03-01T00:00"))).toMatchObject({
        rawRemoved: 0,
        runsWritten: 0,
      });
      expect(await store.compaction.runCount()).toBe(runs);
      expect(await store.compaction.boundary()).toBe(local("2025-03-01T00:00"));
      expect(await figures(store)).toEqual(raw);
    } finally {
      await store.close();
    }
  }, 180_000);
}

describe("retention", () => {
  it("compacts what is older than the raw retention once, whichever collector asks first", async () => {
    const store = openStore(join(tempDir(), "collector.sqlite"));
    try {
      await fill(store, results());
      const setup = sourceContext(config()).setup;
      const now = local("2025-04-05T10:00");
      const sixtyDays = 60 * 86_400_000;
      const boundary = retentionBoundary(now, sixtyDays);
      expect(new Date(boundary).toISOString()).toBe("2025-02-04T00:00:00.000Z");
      const done = await compactDue(store, setup, now, sixtyDays, "replica-1");
      expect(done).toMatchObject({ before: boundary });
      expect(done!.rawRemoved).toBeGreaterThan(0);
      expect(await compactDue(store, setup, now + 60_000, sixtyDays, "replica-2")).toBeUndefined();
      const left = await store.results.checks({ from: 0, to: Infinity });
      expect(left.every((r) => r.startedAt >= boundary)).toBe(true);
      expect(left.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it("refuses a result older than the raw retention: it would land among compacted runs", async () => {
    const DAY = 86_400_000;
    const now = Date.now();
    const rules = admissionRules(
      config(),
      { maxClockSkew: 300_000, horizon: 400 * DAY },
      () => now,
      async () => false,
      60 * DAY,
    );
    const body = (startedAt: number) => ({
      records: [
        {
          type: "check",
          payload: {
            id: "c6649638-f34e-4a35-b153-a7ad2352d393",
            check: "mx",
            kind: "smtp",
            vantage: "a",
            startedAt,
            durationSeconds: 0.1,
            ok: true,
            phases: {},
          },
        },
      ],
    });
    const old = await admittedIngestBody(rules).safeParseAsync(body(now - 61 * DAY));
    expect(old.success).toBe(false);
    expect(old.error!.issues[0]!.message).toContain(
      "older than the horizon of 60 days (collector.retention.raw)",
    );
    expect((await admittedIngestBody(rules).safeParseAsync(body(now - 59 * DAY))).success).toBe(true);
  });

  it("refuses a raw retention shorter than 60 days, naming the key and the rule", () => {
    expect(() => parseConfigText(`${CONFIG_YAML}collector: { retention: { raw: 30d } }\n`)).toThrow(
      "collector.retention.raw",
    );
  });
});

describe("compaction", () => {
  sameFiguresOnCompaction("sqlite", async () => openStore(join(tempDir(), "collector.sqlite")));
  sameFiguresOnCompaction("postgres", async () => openPostgresStore({ url: await server.database() }));
});
