import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkPoint } from "../../collector/influx/points.js";
import type { IngestRecord } from "../../collector/store/index.js";
import type { CollectorStore } from "../../collector/store/types.js";
import { checkResult, deliveryResult, resultSeries, T0 } from "./fixtures.js";

/**
 * The store contract (collector/store/types.ts): one suite every ledger engine must pass, run by
 * store-contract.sqlite.test.ts and store-contract.postgres.test.ts against a real SQLite file and a
 * real PostgreSQL 15. What an engine must do is said here once, so the two cannot drift apart.
 */

/** How a suite gets its stores. */
export interface StoreMaker {
  /** A new, empty ledger. */
  fresh(): Promise<CollectorStore>;
  /** The same ledger as `store`, opened anew (after `store` was closed). */
  reopen(store: CollectorStore): Promise<CollectorStore>;
}

const checks = (list: readonly ReturnType<typeof checkResult>[]): IngestRecord[] =>
  list.map((payload) => ({ type: "check", payload }));

/** Registers the contract's tests for one engine. */
export function storeContract(engine: string, make: StoreMaker): void {
  const use = async (fn: (store: CollectorStore) => Promise<void>) => {
    const store = await make.fresh();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  describe(`store contract: ${engine}`, () => {
    it("answers results in [from, to) by service and vantage point, ordered by time", () =>
      use(async (store) => {
        expect(store.engine).toBe(engine);
        const a = resultSeries("a", 10, T0, "mx");
        const b = resultSeries("b", 10, T0 + 30_000, "mx");
        await store.ingest("a", checks([...a].reverse()), T0);
        await store.ingest("b", checks(b), T0);
        await store.ingest("a", checks(resultSeries("a", 10, T0, "imap")), T0);
        const got = await store.results.checks({ from: T0 + 60_000, to: T0 + 180_000, service: "mx" });
        expect(got.map((r) => [r.vantage, r.startedAt - T0])).toEqual([
          ["a", 60_000],
          ["b", 90_000],
          ["a", 120_000],
          ["b", 150_000],
        ]);
        const failed = (
          await store.results.checks({ from: T0, to: T0 + 300_000, vantage: "a", service: "imap" })
        )[4]!;
        expect(failed).toMatchObject({ ok: false, code: "connect", stage: "connect", kind: "smtp" });
        expect(await store.results.checkPayload(failed.id)).toEqual(
          expect.objectContaining({
            id: failed.id,
            error: expect.objectContaining({ message: "ECONNREFUSED" }),
          }),
        );
        expect(await store.results.checkPayload("no-such-id")).toBeUndefined();
        const series = await store.results.observationSeries(T0, T0 + 300_000);
        expect(series.map((s) => [s.service, s.vantage, s.at.length])).toEqual([
          ["imap", "a", 5],
          ["mx", "a", 5],
          ["mx", "b", 5],
        ]);
        expect(Array.from(series[1]!.at)).toEqual([0, 1, 2, 3, 4].map((i) => T0 + i * 60_000));
        expect(Array.from(series[1]!.ok)).toEqual([1, 1, 1, 1, 0]);
        expect(await store.results.observationSeries(T0 - 60_000, T0)).toEqual([]);
      }));

    it("keeps a failure that does not count against the service as not counted (2), not as down", () =>
      use(async (store) => {
        const probeFault = checkResult("a", {
          check: "pop",
          kind: "pop3",
          ok: false,
          error: { code: "login-delay", stage: "auth", message: "-ERR [LOGIN-DELAY] wait" },
        });
        await store.ingest("a", checks([probeFault]), T0);
        const [s] = await store.results.observationSeries(T0, T0 + 1);
        expect(Array.from(s!.ok)).toEqual([2]);
      }));

    it("stores each id once: across a reopen, twice in one batch, and from two writers at once", async () => {
      const first = await make.fresh();
      const batch = checks(resultSeries("a", 3));
      expect(await first.ingest("a", batch, T0)).toMatchObject({ accepted: 3, duplicates: 0 });
      const second = await make.reopen(first);
      try {
        expect(await second.ingest("a", batch, T0)).toMatchObject({ accepted: 0, duplicates: 3 });
        const twice = checkResult("a");
        expect(await second.ingest("a", checks([twice, twice]), T0)).toEqual({
          accepted: 1,
          duplicates: 1,
          byType: { check: { accepted: 1, duplicates: 1 }, delivery: { accepted: 0, duplicates: 0 } },
        });
        const racing = checks(resultSeries("b", 50));
        const outcomes = await Promise.all([
          second.ingest("b", racing, T0),
          second.ingest("b", [...racing].reverse(), T0),
        ]);
        expect(outcomes.map((o) => o.accepted).reduce((x, y) => x + y)).toBe(50);
        expect(await second.results.counts()).toEqual({ checks: 54, deliveries: 0 });
      } finally {
        await second.close();
      }
    });

    it("stores a batch all or nothing, with its export points in the same transaction", () =>
      use(async (store) => {
        const batch = checks(resultSeries("a", 4));
        let calls = 0;
        const failing = (r: IngestRecord) => {
          if (++calls === 3) throw new Error("disk full");
          return r.type === "check" ? [checkPoint(r.payload)] : [];
        };
        await expect(store.ingest("a", batch, T0, failing)).rejects.toThrow("disk full");
        expect(await store.results.counts()).toEqual({ checks: 0, deliveries: 0 });
        expect(await store.exportQueue.size()).toBe(0);
        const points = (r: IngestRecord) => (r.type === "check" ? [checkPoint(r.payload)] : []);
        await store.ingest("a", batch, T0, points);
        await store.ingest("a", [...batch, { type: "check", payload: checkResult("a") }], T0, points);
        expect(await store.exportQueue.size()).toBe(5); // duplicates queue nothing
        const queued = await store.exportQueue.peek(10);
        expect(queued[0]!.point).toEqual(checkPoint(batch[0]!.payload as ReturnType<typeof checkResult>));
        await store.exportQueue.removeThrough(queued[1]!.seq);
        expect((await store.exportQueue.peek(10)).map((q) => q.seq)).toEqual(
          queued.slice(2).map((q) => q.seq),
        );
      }));

    it("files deliveries by the time the operator took them over, and remembers names", () =>
      use(async (store) => {
        const early = deliveryResult("a", { sentAt: T0 - 60_000 });
        const late = deliveryResult("a", { sentAt: T0 + 60_000, delivery: "inbound", direction: "send" });
        const records: IngestRecord[] = [
          { type: "delivery", payload: late },
          { type: "delivery", payload: early },
        ];
        expect(await store.ingest("a", records, T0)).toMatchObject({
          byType: { delivery: { accepted: 2, duplicates: 0 } },
        });
        const got = await store.results.deliveries({ from: T0 - 120_000, to: T0 + 120_000 });
        expect(got.map((d) => [d.at, d.vantage, d.payload])).toEqual([
          [early.sentAt, "a", early],
          [late.sentAt, "a", late],
        ]);
        expect(await store.results.deliveries({ from: T0, to: T0 + 120_000, vantage: "b" })).toEqual([]);
        await store.ingest("a", checks([checkResult("a", { check: "imap" })]), T0);
        expect(await store.results.holdsName("check", "imap")).toBe(true);
        expect(await store.results.holdsName("check", "pop")).toBe(false);
        expect(await store.results.holdsName("delivery", "inbound")).toBe(true);
        expect(await store.results.holdsName("delivery", "outbound")).toBe(false);
        expect(await store.results.counts()).toEqual({ checks: 1, deliveries: 2 });
      }));

    it("keeps every character a server said: quotes, backslashes, tabs escaped in JSON, any script", () =>
      use(async (store) => {
        const words = 'He said "no" \\ C:\\mail\\x \\N \\t ünï 中文 😀 ';
        const failed = checkResult("a", {
          ok: false,
          error: { code: "smtp-5xx", stage: "rcpt", message: words, responseCode: 550 },
          details: { banner: `${words}\\`, count: 3 },
        });
        const sent = deliveryResult("a", { token: "a\\b\\N\\" });
        await store.ingest("a", [...checks([failed]), { type: "delivery", payload: sent }], T0);
        expect(await store.results.checkPayload(failed.id)).toEqual(failed);
        const [row] = await store.results.checks({ from: T0, to: T0 + 1 });
        expect(row).toMatchObject({ code: "smtp-5xx", stage: "rcpt", ok: false });
        expect((await store.results.deliveries({ from: T0, to: T0 + 1 }))[0]!.payload).toEqual(sent);
      }));

    it("names the code and stage of the first failed result of each run start", () =>
      use(async (store) => {
        const series = resultSeries("a", 10, T0);
        await store.ingest("a", checks(series), T0);
        const starts = [
          { service: "mx", vantage: "a", at: T0 + 9 * 60_000 },
          { service: "mx", vantage: "a", at: T0 + 4 * 60_000 },
          { service: "mx", vantage: "a", at: T0 }, // ok: no cause
          { service: "mx", vantage: "b", at: T0 + 4 * 60_000 }, // no such series
        ];
        expect(await store.results.causes(starts)).toEqual([
          { service: "mx", vantage: "a", at: T0 + 9 * 60_000, code: "connect", stage: "connect" },
          { service: "mx", vantage: "a", at: T0 + 4 * 60_000, code: "connect", stage: "connect" },
        ]);
        expect(await store.results.causes([])).toEqual([]);
      }));

    it("logs every committed ingest in the change log, with its span and its sender", () =>
      use(async (store) => {
        const start = await store.lastChange();
        const security = checkResult("b", { check: "submit", kind: "submission", startedAt: T0 + 5_000 });
        await store.ingest("a", checks(resultSeries("a", 3, T0)), T0 + 1_000);
        await store.ingest("b", checks([security]), T0 + 2_000);
        await store.ingest("b", checks([security]), T0 + 3_000); // nothing new: still a push
        const { changes, next, gap } = await store.changesSince(start);
        expect(gap).toBe(false);
        expect(changes.map((c) => [c.vantage, c.receivedAt, c.minAt, c.maxAt, c.security])).toEqual([
          ["a", T0 + 1_000, T0, T0 + 120_000, false],
          ["b", T0 + 2_000, T0 + 5_000, T0 + 5_000, true],
          ["b", T0 + 3_000, null, null, false],
        ]);
        expect((await store.changesSince(next)).changes).toEqual([]);
        expect(await store.lastPushes(T0)).toEqual(
          new Map([
            ["a", T0 + 1_000],
            ["b", T0 + 3_000],
          ]),
        );
        expect(await store.lastPushes(T0 + 2_500)).toEqual(new Map([["b", T0 + 3_000]]));
        await expect(
          store.ingest("a", checks([checkResult("a")]), T0, () => {
            throw new Error("rolled back");
          }),
        ).rejects.toThrow("rolled back");
        expect((await store.changesSince(next)).changes).toEqual([]);
      }));

    it("pages through the change log without losing or repeating a change", () =>
      use(async (store) => {
        let cursor = await store.lastChange();
        for (let i = 0; i < 7; i++)
          await store.ingest("a", checks([checkResult("a", { startedAt: T0 + i })]), T0 + i);
        const seen: number[] = [];
        for (let pages = 0; pages < 20; pages++) {
          const { changes, next } = await store.changesSince(cursor, 2);
          seen.push(...changes.map((c) => c.minAt!));
          cursor = next;
          if (changes.length === 0) break;
        }
        expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => T0 + i));
      }));

    it("keeps maintenance windows, cancels each once, never deletes one", () =>
      use(async (store) => {
        const w = {
          id: randomUUID(),
          start: T0,
          end: T0 + 3_600_000,
          announcedAt: T0 - 86_400_000,
          segments: ["north"],
          description: "core switch",
          declaredAt: T0 - 86_400_000,
        };
        expect(await store.maintenance.declare(w)).toEqual(w);
        await expect(store.maintenance.declare(w)).rejects.toThrow();
        const other = {
          id: randomUUID(),
          start: T0 + 7_200_000,
          end: T0 + 7_800_000,
          announcedAt: T0,
          declaredAt: T0,
        };
        await store.maintenance.declare(other);
        expect((await store.maintenance.list()).map((x) => x.id)).toEqual([w.id, other.id]);
        expect((await store.maintenance.list(T0 + 3_600_000, Infinity)).map((x) => x.id)).toEqual([other.id]);
        expect(await store.maintenance.get(w.id)).toEqual(w);
        expect(await store.maintenance.cancel(w.id, T0 + 60_000)).toEqual({
          status: "cancelled",
          window: { ...w, cancelledAt: T0 + 60_000 },
        });
        expect(await store.maintenance.cancel(w.id, T0 + 120_000)).toMatchObject({
          status: "already-cancelled",
        });
        expect(await store.maintenance.cancel("nope", T0)).toEqual({ status: "not-found" });
        expect(await store.maintenance.get(w.id)).toEqual({ ...w, cancelledAt: T0 + 60_000 });
      }));

    it("merges annotation patches, keeps the anchor of creation, removes an emptied one", () =>
      use(async (store) => {
        const id = "north@2026-01-01T00:00:00.000Z";
        expect(await store.annotations.patch(id, { cause: "fibre cut" }, T0, T0 + 600_000)).toEqual({
          incidentId: id,
          cause: "fibre cut",
          anchorEnd: T0 + 600_000,
          updatedAt: T0,
        });
        expect(
          await store.annotations.patch(
            id,
            { forceMajeure: { reason: "flood" }, affectedUsers: 1200 },
            T0 + 1,
            T0 + 999,
          ),
        ).toEqual({
          incidentId: id,
          cause: "fibre cut",
          forceMajeure: { reason: "flood" },
          affectedUsers: 1200,
          anchorEnd: T0 + 600_000,
          updatedAt: T0 + 1,
        });
        expect(await store.annotations.forceMajeureMarks()).toEqual([
          { id: `incident:${id}`, reason: "flood", incidentId: id },
        ]);
        expect(await store.annotations.overrides()).toEqual([{ incidentId: id, affectedUsers: 1200 }]);
        expect(await store.annotations.engineAnnotations()).toEqual([
          {
            incidentId: id,
            anchorEnd: T0 + 600_000,
            cause: "fibre cut",
            forceMajeure: { reason: "flood" },
            affectedUsers: 1200,
          },
        ]);
        expect(
          await store.annotations.patch(id, { cause: null, forceMajeure: null, affectedUsers: null }, T0 + 2),
        ).toBeUndefined();
        expect(await store.annotations.list()).toEqual([]);
        await store.annotations.patch(id, { cause: "again" }, T0 + 3);
        expect(await store.annotations.remove(id)).toBe(true);
        expect(await store.annotations.remove(id)).toBe(false);
        expect(await store.annotations.get(id)).toBeUndefined();
      }));

    it("keeps force majeure spans until withdrawn, and gives the engine their marks", () =>
      use(async (store) => {
        const s = {
          id: randomUUID(),
          start: T0,
          end: T0 + 3_600_000,
          services: ["mx"],
          reason: "earthquake",
          declaredAt: T0,
        };
        expect(await store.forceMajeure.declare(s)).toEqual(s);
        expect(await store.forceMajeure.list(T0 + 3_600_000)).toEqual([]);
        expect(await store.forceMajeure.marks()).toEqual([
          { id: s.id, reason: "earthquake", start: T0, end: T0 + 3_600_000, services: ["mx"] },
        ]);
        expect(await store.forceMajeure.remove(s.id)).toBe(true);
        expect(await store.forceMajeure.get(s.id)).toBeUndefined();
        expect(await store.forceMajeure.remove(s.id)).toBe(false);
      }));

    it("stores a month's manual indicators all or none and replaces an entry entered again", () =>
      use(async (store) => {
        await store.manual.upsert(
          "2026-01",
          [{ clause: "7.1.6", value: 0.02, note: "from the ticket system" }],
          5,
        );
        const again = await store.manual.upsert(
          "2026-01",
          [
            { clause: "7.1.6", value: 0.03 },
            { clause: "7.1.1", value: true },
          ],
          6,
        );
        expect(again).toEqual([
          { month: "2026-01", clause: "7.1.1", value: true, enteredAt: 6 },
          { month: "2026-01", clause: "7.1.6", value: 0.03, enteredAt: 6 },
        ]);
        expect(await store.manual.list("2026-02")).toEqual([]);
        expect(await store.manual.remove("2026-01", "7.1.1")).toBe(true);
        expect(await store.manual.remove("2026-01", "7.1.1")).toBe(false);
      }));

    it("grants an exactly-once job to one holder at a time, and never again once it is sending or done", () =>
      use(async (store) => {
        const lease = 600_000;
        expect(await store.claimJob("report:2026-11", "r1", T0, lease)).toEqual({
          granted: true,
          holder: "r1",
          state: "claimed",
        });
        const contenders = await Promise.all(
          ["r2", "r3"].map((h) => store.claimJob("report:2026-11", h, T0 + 1, lease)),
        );
        expect(contenders.map((c) => c.granted)).toEqual([false, false]);
        expect(await store.claimJob("report:2026-11", "r1", T0 + 60_000, lease)).toMatchObject({
          granted: true,
        });
        // r1 renewed at T0 + 60 s: its lease holds until T0 + 660 s, then r2 may take the month over.
        expect(await store.claimJob("report:2026-11", "r2", T0 + 659_000, lease)).toMatchObject({
          granted: false,
        });
        expect(await store.claimJob("report:2026-11", "r2", T0 + 660_000, lease)).toMatchObject({
          granted: true,
        });
        await expect(store.setJobState("report:2026-11", "r1", "sending", T0 + 661_000)).rejects.toThrow(
          "job report:2026-11: r1 does not hold it (r2 does, claimed)",
        );
        await store.setJobState("report:2026-11", "r2", "sending", T0 + 661_000);
        // A holder that died while sending is never replaced: the outcome is for a human to judge.
        expect(await store.claimJob("report:2026-11", "r3", T0 + 9e9, lease)).toEqual({
          granted: false,
          holder: "r2",
          state: "sending",
        });
        await store.setJobState("report:2026-11", "r2", "done", T0 + 662_000);
        expect(await store.claimJob("report:2026-11", "r2", T0 + 663_000, lease)).toMatchObject({
          granted: false,
          state: "done",
        });
        expect(await store.claimJob("report:2026-12", "r3", T0, lease)).toMatchObject({ granted: true });
      }));

    it("answers liveness, readiness writes, an integrity check and its size", () =>
      use(async (store) => {
        await store.ping();
        await store.heartbeat(T0);
        await store.heartbeat(T0 + 1);
        expect(await store.quickCheck()).toEqual(["ok"]);
        expect(await store.sizeBytes()).toBeGreaterThan(0);
      }));
  });
}
