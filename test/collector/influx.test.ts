import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { startExporter, type Exporter } from "../../collector/influx/exporter.js";
import { ExportQueue } from "../../collector/store/export-queue.js";
import { openStore } from "../../collector/store/index.js";
import { InfluxExport } from "../../config/collector.js";
import { startInfluxd, type Influxd } from "../helpers/influxd.js";
import {
  bearer,
  deliveryResult,
  resultSeries,
  T0,
  tempDir,
  testCollector,
  TOKENS,
  type TestCollector,
} from "./fixtures.js";

const DB = "mailsla_test";
let influxd: Influxd;
let c: TestCollector;
let exporter: Exporter;

beforeAll(async () => {
  influxd = await startInfluxd();
  const store = openStore(join(tempDir(), "collector.sqlite"));
  const config = InfluxExport.parse({
    url: influxd.url,
    database: DB,
    batchSize: 40,
    flushInterval: "50ms",
    maxRetryDelay: "400ms",
  });
  exporter = startExporter({
    queue: store.exportQueue,
    config,
    log: { info() {}, warn() {}, error() {} },
    minRetryDelay: 50,
  });
  c = await testCollector({ store, exporter });
});
afterAll(async () => {
  await exporter?.stop();
  await c?.close();
  await influxd?.close();
});

const count = async (q: string) => Number((await influxd.query(DB, q))[0]?.[1] ?? 0);
const until = async (what: string, ok: () => Promise<boolean> | boolean, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe("InfluxDB export", () => {
  it("exports every ingested result exactly once while influxd is stopped and restarted", async () => {
    const vantages = ["a", "b"] as const;
    const series = Object.fromEntries(vantages.map((v) => [v, resultSeries(v, 300)]));
    let deliveries = 0;
    let previous: unknown[] = [];
    for (let batch = 0; batch < 15; batch++) {
      if (batch === 4) await influxd.stop();
      if (batch === 11) await influxd.start();
      for (const v of vantages) {
        const fresh = series[v]!.slice(batch * 20, batch * 20 + 20).map((payload) => ({
          type: "check",
          payload,
        }));
        const extra =
          v === "a"
            ? [
                {
                  type: "delivery",
                  payload: deliveryResult("a", {
                    sentAt: T0 + deliveries * 1000,
                    delaySeconds: 1 + deliveries++,
                  }),
                },
              ]
            : [];
        const records = [...fresh, ...extra, ...(v === "a" ? previous : [])]; // a retry resends the last batch
        const r = await c.app.inject({
          method: "POST",
          url: "/api/v1/ingest",
          headers: bearer(TOKENS[v]),
          payload: { records },
        });
        expect(r.statusCode).toBe(200);
        if (v === "a") previous = [...fresh, ...extra];
      }
      if (batch === 10) {
        expect(await c.store.exportQueue.size()).toBeGreaterThan(0); // waiting, not lost
        expect(exporter.stats.failedWrites).toBeGreaterThan(0);
      }
    }
    await until("the export queue to drain", async () => (await c.store.exportQueue.size()) === 0);
    expect(await count("SELECT count(success) FROM mailsla_check")).toBe(600);
    expect(await count("SELECT count(success) FROM mailsla_check WHERE vantage = 'b'")).toBe(300);
    expect(await count("SELECT count(success) FROM mailsla_check WHERE code = 'connect'")).toBe(120);
    expect(await count("SELECT count(delay_seconds) FROM mailsla_delivery")).toBe(deliveries);
    expect(exporter.stats.exportedPoints).toBe(600 + deliveries);
  });

  it("a batch written twice (crash between write and dequeue) overwrites, never doubles", async () => {
    const before = await count("SELECT count(success) FROM mailsla_check");
    const rows = (await c.store.results.checks({ from: 0, to: Number.MAX_SAFE_INTEGER, vantage: "a" })).slice(
      0,
      25,
    );
    const { checkPoint } = await import("../../collector/influx/points.js");
    // The points queued again, as a crash after the write and before the dequeue leaves them. Adding
    // to the queue is internal to the SQLite store's ingest, so a second connection to the file does it.
    const db = new Database(c.store.file!);
    try {
      const queue = new ExportQueue(db);
      for (const row of rows) queue.add(checkPoint((await c.store.results.checkPayload(row.id))!));
    } finally {
      db.close();
    }
    await exporter.drain();
    expect(await c.store.exportQueue.size()).toBe(0);
    expect(await count("SELECT count(success) FROM mailsla_check")).toBe(before);
  });

  it("shows the export on /metrics", async () => {
    const r = await c.app.inject({ method: "GET", url: "/metrics" });
    expect(r.body).toContain("mailsla_collector_influx_queue_points 0");
    expect(r.body).toMatch(/mailsla_collector_influx_exported_points_total 6\d\d\n/);
    expect(r.body).toMatch(/mailsla_collector_influx_failed_writes_total [1-9]/);
  });
});
