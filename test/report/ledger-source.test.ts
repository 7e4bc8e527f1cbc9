/**
 * What the report's ledger source relies on in the store: a ledger written before the covering
 * index gets it when the collector next opens it (and keeps its data), the month's scan then reads
 * that index alone; the CLI's read-only connection sees what a running collector commits and can
 * write nothing; entered values lose the store's extra keys the report's strict schema refuses.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { manualOf, reportRange } from "../../collector/report/ledger-source.js";
import { ManualIndicators } from "../../collector/report/manual.js";
import { openStore, openStoreReadOnly, type CollectorStore } from "../../collector/store/index.js";
import { inTimeOrder } from "../../collector/store/results.js";
import { checkResult, resultSeries, tempDir } from "../collector/fixtures.js";
import { local } from "../collector/sla-scenario.js";

const SCAN = `EXPLAIN QUERY PLAN SELECT count(*), json_group_array(started_at), group_concat(ok, '')
  FROM check_results WHERE service = 'mx' AND vantage = 'a' AND started_at >= 0 AND started_at < 1e15`;

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

function track<T extends { close(): Promise<void> }>(x: T): T {
  open.push(x);
  return x;
}

/** The ledger's index names and the plan of a series scan. */
function inspect(file: string): { indexes: string[]; plan: string } {
  const db = new Database(file, { readonly: true });
  try {
    const indexes = db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'check_results'",
    );
    const plan = db.prepare(SCAN).all() as { detail: string }[];
    return {
      indexes: (indexes.all() as { name: string }[]).map((r) => r.name),
      plan: plan.map((p) => p.detail).join("; "),
    };
  } finally {
    db.close();
  }
}

describe("the covering index of check results", () => {
  it("is added to a ledger made before it, which keeps its results, once and idempotently", async () => {
    const file = join(tempDir(), "collector.sqlite");
    const store = openStore(file);
    await store.ingest(
      "a",
      resultSeries("a", 50).map((payload) => ({ type: "check" as const, payload })),
      1,
    );
    const before = await store.results.observationSeries(0, 2e12);
    await store.close();
    const db = new Database(file); // the schema as it was: the series index without ok
    db.exec(`DROP INDEX check_results_series_ok;
      CREATE INDEX check_results_series ON check_results (service, vantage, started_at);`);
    db.close();
    expect(inspect(file).plan).toMatch(/USING INDEX check_results_series \(/);
    const reader = openStoreReadOnly(file); // the CLI reads an old ledger as it is
    expect(await reader.results.observationSeries(0, 2e12)).toEqual(before);
    await reader.close();

    for (let i = 0; i < 2; i++) await track(openStore(file)).close();
    const after = inspect(file);
    expect(after.indexes.sort()).toEqual([
      "check_results_series_ok",
      "check_results_time",
      "sqlite_autoindex_check_results_1",
    ]);
    expect(after.plan).toMatch(/USING COVERING INDEX check_results_series_ok/);
    const reopened = track(openStore(file));
    expect(await reopened.results.observationSeries(0, 2e12)).toEqual(before);
    expect(Array.from(before[0]!.ok).filter((x) => !x)).toHaveLength(10); // every fifth result failed
  });
});

describe("inTimeOrder", () => {
  it("keeps columns in time order as they are, and sorts both by time otherwise", () => {
    const at = Float64Array.from([1, 2, 2, 5]);
    const ok = Uint8Array.from([1, 0, 1, 1]);
    expect(inTimeOrder(at, ok).at).toBe(at);
    expect(inTimeOrder(Float64Array.from([5, 1, 3]), Uint8Array.from([0, 1, 0]))).toEqual({
      at: Float64Array.from([1, 3, 5]),
      ok: Uint8Array.from([1, 0, 0]),
    });
  });
});

describe("openStoreReadOnly", () => {
  it("reads what a running collector commits, and cannot write", async () => {
    const file = join(tempDir(), "collector.sqlite");
    const writer: CollectorStore = track(openStore(file));
    const at = local("2025-03-05T10:00");
    const one = (startedAt: number) => [{ type: "check" as const, payload: checkResult("a", { startedAt }) }];
    await writer.ingest("a", one(at), at);
    const reader = track(openStoreReadOnly(file));
    expect((await reader.results.observationSeries(0, 2e12))[0]!.at).toEqual(Float64Array.from([at]));
    await writer.ingest("a", one(at + 60_000), at + 60_000);
    expect((await reader.results.observationSeries(0, 2e12))[0]!.at).toHaveLength(2);
    await expect(reader.ingest("a", one(at + 120_000), at)).rejects.toThrow(/open read-only for a report/);
    await expect(reader.manual.upsert("2025-03", [{ clause: "7.1.1", value: true }], at)).rejects.toThrow(
      /readonly database/,
    );
    expect((await writer.results.counts()).checks).toBe(2);
  });

  it("refuses a missing file instead of creating one", () => {
    expect(() => openStoreReadOnly(join(tempDir(), "none.sqlite"))).toThrow(/unable to open database file/);
  });
});

describe("the report's reads", () => {
  it("takes the month's entered values without the store's extra keys", async () => {
    const store = track(openStore(join(tempDir(), "collector.sqlite")));
    await store.manual.upsert(
      "2025-03",
      [
        { clause: "7.1.6", value: 0.00002, note: "audit" },
        { clause: "7.1.1", value: true },
      ],
      5,
    );
    await store.manual.upsert("2025-04", [{ clause: "7.1.1", value: false }], 6);
    expect((await store.manual.list("2025-03"))[0]).toHaveProperty("enteredAt", 5);
    const manual = await manualOf(store, "2025-03");
    expect(ManualIndicators.parse(manual)).toEqual({
      month: "2025-03",
      entries: [
        { clause: "7.1.1", value: true },
        { clause: "7.1.6", value: 0.00002, note: "audit" },
      ],
    });
  });

  it("reads from the first month of the trend to the end of the month's year", () => {
    expect(reportRange("2025-03", "Asia/Shanghai")).toEqual({
      start: local("2024-04-01T00:00"),
      end: local("2026-01-01T00:00"),
    });
    expect(reportRange("2025-12", "UTC")).toEqual({
      start: Date.UTC(2025, 0, 1),
      end: Date.UTC(2026, 0, 1),
    });
  });
});
