import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkPoint } from "../../collector/influx/points.js";
import { openStore, type IngestRecord } from "../../collector/store/index.js";
import { checkResult, resultSeries, T0, tempDir } from "./fixtures.js";

const checks = (list: ReturnType<typeof resultSeries>): IngestRecord[] =>
  list.map((payload) => ({ type: "check", payload }));

describe("collector store", () => {
  it("answers results in [from, to) by service and vantage point, ordered by time", () => {
    const store = openStore(join(tempDir(), "c.sqlite"));
    const a = resultSeries("a", 10, T0, "mx");
    const b = resultSeries("b", 10, T0 + 30_000, "mx");
    const imap = resultSeries("a", 10, T0, "imap");
    store.ingest("a", checks([...a].reverse()), T0);
    store.ingest("b", checks(b), T0);
    store.ingest("a", checks(imap), T0);

    const got = store.results.checks({ from: T0 + 60_000, to: T0 + 180_000, service: "mx" });
    expect(got.map((r) => [r.vantage, r.startedAt - T0])).toEqual([
      ["a", 60_000],
      ["b", 90_000],
      ["a", 120_000],
      ["b", 150_000],
    ]);
    expect(store.results.checks({ from: T0, to: T0 + 600_000, service: "mx", vantage: "b" })).toHaveLength(
      10,
    );
    const failed = store.results.checks({ from: T0, to: T0 + 300_000, vantage: "a", service: "imap" })[4]!;
    expect(failed).toMatchObject({ ok: false, code: "connect", stage: "connect" });

    const series = store.results.observationSeries(T0, T0 + 300_000);
    expect(series.map((s) => [s.service, s.vantage, s.at.length])).toEqual([
      ["imap", "a", 5],
      ["mx", "a", 5],
      ["mx", "b", 5],
    ]);
    expect(Array.from(series[1]!.at)).toEqual([0, 1, 2, 3, 4].map((i) => T0 + i * 60_000));
    expect(Array.from(series[1]!.ok)).toEqual([1, 1, 1, 1, 0]);
    store.close();
  });

  it("keeps what was committed across a reopen and stays idempotent", () => {
    const file = join(tempDir(), "c.sqlite");
    const batch = checks(resultSeries("a", 3));
    const first = openStore(file);
    expect(first.ingest("a", batch, T0)).toMatchObject({ accepted: 3, duplicates: 0 });
    first.close();
    const second = openStore(file);
    expect(second.ingest("a", batch, T0)).toMatchObject({ accepted: 0, duplicates: 3 });
    expect(second.results.counts()).toEqual({ checks: 3, deliveries: 0 });
    second.close();
  });

  it("stores a batch all or nothing, with its export points in the same transaction", () => {
    const store = openStore(join(tempDir(), "c.sqlite"));
    const batch = checks(resultSeries("a", 4));
    let calls = 0;
    const failing = (r: IngestRecord) => {
      if (++calls === 3) throw new Error("disk full");
      return r.type === "check" ? [checkPoint(r.payload)] : [];
    };
    expect(() => store.ingest("a", batch, T0, failing)).toThrow("disk full");
    expect(store.results.counts().checks).toBe(0);
    expect(store.exportQueue.size()).toBe(0);

    const points = (r: IngestRecord) => (r.type === "check" ? [checkPoint(r.payload)] : []);
    store.ingest("a", batch, T0, points);
    store.ingest("a", [...batch, { type: "check", payload: checkResult("a") }], T0, points);
    expect(store.exportQueue.size()).toBe(5); // duplicates queue nothing
    const queued = store.exportQueue.peek(10);
    store.exportQueue.removeThrough(queued[1]!.seq);
    expect(store.exportQueue.peek(10).map((q) => q.seq)).toEqual(queued.slice(2).map((q) => q.seq));
    store.close();
  });
});
