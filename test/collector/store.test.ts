import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkPoint } from "../../collector/influx/points.js";
import { openStore, type IngestRecord } from "../../collector/store/index.js";
import { checkResult, resultSeries, T0, tempDir } from "./fixtures.js";

const checks = (list: ReturnType<typeof resultSeries>): IngestRecord[] =>
  list.map((payload) => ({ type: "check", payload }));

describe("collector store", () => {
  it("answers results in [from, to) by service and vantage point, ordered by time", async () => {
    const store = openStore(join(tempDir(), "c.sqlite"));
    const a = resultSeries("a", 10, T0, "mx");
    const b = resultSeries("b", 10, T0 + 30_000, "mx");
    const imap = resultSeries("a", 10, T0, "imap");
    await store.ingest("a", checks([...a].reverse()), T0);
    await store.ingest("b", checks(b), T0);
    await store.ingest("a", checks(imap), T0);

    const got = await store.results.checks({ from: T0 + 60_000, to: T0 + 180_000, service: "mx" });
    expect(got.map((r) => [r.vantage, r.startedAt - T0])).toEqual([
      ["a", 60_000],
      ["b", 90_000],
      ["a", 120_000],
      ["b", 150_000],
    ]);
    expect(
      await store.results.checks({ from: T0, to: T0 + 600_000, service: "mx", vantage: "b" }),
    ).toHaveLength(10);
    const failed = (
      await store.results.checks({ from: T0, to: T0 + 300_000, vantage: "a", service: "imap" })
    )[4]!;
    expect(failed).toMatchObject({ ok: false, code: "connect", stage: "connect" });

    const series = await store.results.observationSeries(T0, T0 + 300_000);
    expect(series.map((s) => [s.service, s.vantage, s.at.length])).toEqual([
      ["imap", "a", 5],
      ["mx", "a", 5],
      ["mx", "b", 5],
    ]);
    expect(Array.from(series[1]!.at)).toEqual([0, 1, 2, 3, 4].map((i) => T0 + i * 60_000));
    expect(Array.from(series[1]!.ok)).toEqual([1, 1, 1, 1, 0]);
    await store.close();
  });

  it("keeps what was committed across a reopen and stays idempotent", async () => {
    const file = join(tempDir(), "c.sqlite");
    const batch = checks(resultSeries("a", 3));
    const first = openStore(file);
    expect(await first.ingest("a", batch, T0)).toMatchObject({ accepted: 3, duplicates: 0 });
    await first.close();
    const second = openStore(file);
    expect(await second.ingest("a", batch, T0)).toMatchObject({ accepted: 0, duplicates: 3 });
    expect(await second.results.counts()).toEqual({ checks: 3, deliveries: 0 });
    await second.close();
  });

  it("stores a batch all or nothing, with its export points in the same transaction", async () => {
    const store = openStore(join(tempDir(), "c.sqlite"));
    const batch = checks(resultSeries("a", 4));
    let calls = 0;
    const failing = (r: IngestRecord) => {
      if (++calls === 3) throw new Error("disk full");
      return r.type === "check" ? [checkPoint(r.payload)] : [];
    };
    await expect(store.ingest("a", batch, T0, failing)).rejects.toThrow("disk full");
    expect((await store.results.counts()).checks).toBe(0);
    expect(await store.exportQueue.size()).toBe(0);

    const points = (r: IngestRecord) => (r.type === "check" ? [checkPoint(r.payload)] : []);
    await store.ingest("a", batch, T0, points);
    await store.ingest("a", [...batch, { type: "check", payload: checkResult("a") }], T0, points);
    expect(await store.exportQueue.size()).toBe(5); // duplicates queue nothing
    const queued = await store.exportQueue.peek(10);
    await store.exportQueue.removeThrough(queued[1]!.seq);
    expect((await store.exportQueue.peek(10)).map((q) => q.seq)).toEqual(queued.slice(2).map((q) => q.seq));
    await store.close();
  });
});
