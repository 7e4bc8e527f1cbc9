/**
 * The parts of the SLA wiring that the API scenario does not isolate: how delivery outcomes and
 * security checks become engine input, how far back a 7.1.13 state is looked for, when cached
 * months are dropped, what an agent's last push is after a restart, the open maintenance windows of
 * the live state, and that startCollector serves the wiring.
 */
import { afterEach, describe, expect, it } from "vitest";
import { declarationsKey, PeriodCache, type Declarations } from "../../collector/sla-source/cache.js";
import { deliveryInput } from "../../collector/sla-source/deliveries.js";
import { loadVerdicts, verdictOf } from "../../collector/sla-source/security.js";
import { startCollector, type RunningCollector } from "../../collector/server.js";
import { parseConfigText } from "../../config/load.js";
import { openStore } from "../../collector/store/index.js";
import type { StoredCheck } from "../../collector/store/results.js";
import { ADMIN, bearer, TOKEN_ENV, tempDir } from "./fixtures.js";
import {
  admin,
  checks,
  Clock,
  CONFIG_YAML,
  delivery,
  HOUR,
  local,
  push,
  sample,
  slaCollector,
} from "./sla-scenario.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

describe("delivery results as engine input (7.1.8, 7.1.9, 7.1.12)", () => {
  it("counts spam as delivered with its delay, lost apart, send-failed and roundtrip only as outcomes", () => {
    const at = local("2025-03-03T10:00");
    const d = deliveryInput([
      delivery("a", { sentAt: at, delaySeconds: 40, errorBoundSeconds: 1, clock: "monotonic" }),
      delivery("a", {
        sentAt: at,
        outcome: "spam",
        delaySeconds: 50,
        errorBoundSeconds: 2,
        clock: "monotonic",
      }),
      delivery("a", { sentAt: at, outcome: "lost", ageSeconds: 3600 }),
      delivery("a", {
        direction: "send",
        sentAt: at,
        outcome: "send-failed",
        error: { code: "auth", stage: "auth", message: "535" },
      }),
      delivery("a", {
        direction: "roundtrip",
        sentAt: at,
        delaySeconds: 9,
        errorBoundSeconds: 1,
        clock: "wall",
      }),
    ]);
    expect(d.delays).toEqual([
      { direction: "receive", at, seconds: 40, boundSeconds: 1 },
      { direction: "receive", at, seconds: 50, boundSeconds: 2 },
    ]);
    expect(d.lost).toEqual([{ direction: "receive", sentAt: at }]);
    expect(d.inFlight).toEqual([]);
    expect(d.outcomes.receive).toEqual({ delivered: 1, spam: 1, lost: 1, "send-failed": 0 });
    expect(d.outcomes.send["send-failed"]).toBe(1);
    expect(d.outcomes.roundtrip.delivered).toBe(1);
  });
});

describe("7.1.13 and 7.1.14 verdicts", () => {
  const check = (kind: string, ok: boolean, code: string | null) =>
    ({ service: "s", kind, startedAt: 5, ok, code }) as Pick<
      StoredCheck,
      "service" | "kind" | "startedAt" | "ok" | "code"
    >;

  it("reads a pass as compliant, the violation's own code as a violation, anything else as nothing", () => {
    expect(verdictOf(check("submission", true, null))).toEqual({
      check: "smtpAuthRequired",
      service: "s",
      at: 5,
      ok: true,
    });
    expect(verdictOf(check("submission", false, "auth-not-required"))?.ok).toBe(false);
    expect(verdictOf(check("submission", false, "connect"))).toBeUndefined();
    expect(verdictOf(check("relay", false, "open-relay"))).toMatchObject({
      check: "openRelayClosed",
      ok: false,
    });
    expect(verdictOf(check("relay", false, "auth-not-required"))).toBeUndefined();
    expect(verdictOf(check("smtp", true, null))).toBeUndefined();
  });

  it("finds the latest verdict before a period weeks back, but not beyond a year", async () => {
    const c = await slaCollector(new Clock(local("2025-04-02T00:00")));
    open.push(c);
    const old = checks(
      "submission",
      "submission",
      ["a"],
      local("2025-02-10T10:00"),
      local("2025-02-10T10:02"),
    );
    old[1] = { ...old[1]!, ok: false, error: { code: "auth-not-required", stage: "rcpt", message: "250" } };
    await push(c.app, old);
    // Older than the collector's horizon (400 days): ingest refuses it, so it goes in as a ledger kept
    // from before would hold it.
    const ancient = checks(
      "submission",
      "submission",
      ["b"],
      local("2023-01-10T10:00"),
      local("2023-01-10T10:01"),
    );
    await c.store.ingest(
      "b",
      ancient.map((payload) => ({ type: "check", payload })),
      c.clock.now(),
    );
    const services = [{ name: "submission", kind: "submission" }];
    const march = await loadVerdicts(
      c.store.results,
      services,
      local("2025-03-01T00:00"),
      local("2025-04-01T00:00"),
    );
    expect(march).toEqual([
      { check: "smtpAuthRequired", service: "submission", at: local("2025-02-10T10:01"), ok: false },
    ]);
    const early = await loadVerdicts(
      c.store.results,
      services,
      local("2024-06-01T00:00"),
      local("2024-07-01T00:00"),
    );
    expect(early).toEqual([]);
    const body = (await admin(c.app, "GET", "/api/v1/sla?month=2025-03")).body;
    expect(body.security.smtpAuthRequired).toEqual({
      value: false,
      failingAtEnd: ["submission"],
      failedDuring: [],
    });
  });
});

describe("the cache of computed months", () => {
  const none: Declarations = { windows: [], marks: [], annotations: [] };
  const entry = (dependsOn: { start: number; end: number }, live = false) => ({
    value: 1,
    computedAt: 1000,
    live,
    dependsOn,
    periodEnd: 500,
    declarations: declarationsKey(none, dependsOn),
  });

  it("drops an entry for a result within its reach or a verdict before its end, keeps it otherwise", () => {
    const cache = new PeriodCache<number>(60_000);
    cache.set("m", entry({ start: 100, end: 600 }));
    expect(
      cache.invalidate([
        { from: 700, to: 700, security: false },
        { from: 50, to: 50, security: false },
        { from: 20, to: 99, security: false },
        { from: 600, to: 900, security: false },
      ]),
    ).toBe(0);
    expect(cache.invalidate([{ from: 700, to: 700, security: true }])).toBe(0);
    expect(cache.invalidate([{ from: 20, to: 20, security: true }])).toBe(1);
    cache.set("m", entry({ start: 100, end: 600 }));
    expect(cache.invalidate([{ from: 599, to: 599, security: false }])).toBe(1);
    // One ingest with results on both sides of the reach: its span covers the reach, so it drops the entry.
    cache.set("m", entry({ start: 100, end: 600 }));
    expect(cache.invalidate([{ from: 50, to: 700, security: false }])).toBe(1);
    cache.set("m", entry({ start: 100, end: 600 }));
    expect(cache.invalidate([{ from: 20, to: 100, security: false }])).toBe(1);
    expect(cache.size).toBe(0);
  });

  it("keeps at most maxEntries, dropping the least recently computed", () => {
    const cache = new PeriodCache<number>(60_000, 2);
    for (const key of ["2025-01", "2025-02", "2025-01", "2025-03"])
      cache.set(key, entry({ start: 0, end: 600 }));
    expect(cache.size).toBe(2);
    expect(cache.get("2025-02", 2000, none)).toBeUndefined();
    expect(cache.get("2025-01", 2000, none)).toBeDefined();
    expect(cache.get("2025-03", 2000, none)).toBeDefined();
  });

  it("reuses a live entry for maxAge only, never at an earlier clock, and not after a declaration", () => {
    const cache = new PeriodCache<number>(60_000);
    cache.set("live", entry({ start: 0, end: Infinity }, true));
    cache.set("closed", entry({ start: 0, end: 600 }));
    expect(cache.get("live", 1000 + 59_999, none)).toBeDefined();
    expect(cache.get("closed", 1000 + 10 * HOUR, none)).toBeDefined();
    expect(cache.get("live", 1000 + 60_000, none)).toBeUndefined();
    expect(cache.get("closed", 999, none)).toBeUndefined();
    cache.set("closed", entry({ start: 0, end: 600 }));
    const window = { id: "w", start: 550, end: 580, announcedAt: 0, declaredAt: 0 };
    expect(
      cache.get("closed", 2000, { ...none, windows: [{ ...window, start: 700, end: 800 }] }),
    ).toBeDefined();
    expect(cache.get("closed", 2000, { ...none, windows: [window] })).toBeUndefined();
  });
});

describe("live state", () => {
  it("takes an agent's last push from the ledger after a restart, then from its pushes", async () => {
    const clock = new Clock(local("2025-03-05T12:00"));
    const first = await slaCollector(clock);
    await push(first.app, checks("mx", "smtp", ["a"], local("2025-03-05T11:00"), local("2025-03-05T11:30")));
    await first.close();
    clock.set("2025-03-05T12:10");
    const again = await slaCollector(clock, first.file);
    open.push(again);
    const last = async (vantage: string) =>
      sample(
        (await again.app.inject({ method: "GET", url: "/metrics" })).body,
        "mailsla_agent_last_push_timestamp_seconds",
        {
          vantage,
        },
      );
    // The change log keeps when each ingest was received: the push at 12:00, not a guess from its results.
    expect(await last("a")).toBe(local("2025-03-05T12:00") / 1000);
    expect(await last("b")).toBe(0);
    await push(again.app, checks("mx", "smtp", ["b"], local("2025-03-05T12:09"), local("2025-03-05T12:10")));
    expect(await last("b")).toBe(clock.t / 1000);
  });
});

describe("the ledger's change log", () => {
  it("brings another writer's ingest to a cached month and to the last-push gauge", async () => {
    const clock = new Clock(local("2025-03-05T12:00"));
    const c = await slaCollector(clock);
    open.push(c);
    await push(
      c.app,
      checks("imap", "imap", ["a", "b", "c"], local("2025-03-05T10:50"), local("2025-03-05T11:00")),
    );
    const faultMinutes = async () =>
      (await admin(c.app, "GET", "/api/v1/sla?month=2025-03")).body.figures.faultMinutes.value;
    expect(await faultMinutes()).toBeNull(); // no fault seen, the rest of the month unseen
    clock.t += 30_000;
    const before = c.source.stats();
    expect(await faultMinutes()).toBeNull(); // the running month, reused for maxAge while nothing changes
    expect(c.source.stats().computations).toBe(before.computations);

    // Another collector replica on the same ledger stores imap failing from a and b, 11:00 to 11:10:
    // this collector's ingest route never sees it, the change log tells its SLA source.
    const replica = openStore(c.file);
    const down = (v: string, t: number) => v !== "c" && t >= local("2025-03-05T11:00");
    const late = checks(
      "imap",
      "imap",
      ["a", "b", "c"],
      local("2025-03-05T11:00"),
      local("2025-03-05T11:10"),
      down,
    );
    for (const vantage of ["a", "b", "c"]) {
      const mine = late
        .filter((r) => r.vantage === vantage)
        .map((payload) => ({ type: "check" as const, payload }));
      await replica.ingest(vantage, mine, clock.t);
    }
    await replica.close();
    // 11:00 to 11:12 (the last failure stays fresh for 3 minutes), north's 0.6 of the users.
    expect(await faultMinutes()).toBeCloseTo(12 * 0.6, 9);
    expect(c.source.stats()).toMatchObject({
      computations: before.computations + 1,
      ingests: before.ingests + 3,
      invalidated: before.invalidated + 1,
    });
    const text = (await c.app.inject({ method: "GET", url: "/metrics" })).body;
    for (const vantage of ["a", "b", "c"])
      expect(sample(text, "mailsla_agent_last_push_timestamp_seconds", { vantage })).toBe(clock.t / 1000);
  });
});

describe("live maintenance", () => {
  it("lists windows not ended with the pairs they cover, late ones flagged; cancelled ones gone", async () => {
    const clock = new Clock(local("2025-03-05T12:00"));
    const c = await slaCollector(clock);
    open.push(c);
    const declare = (start: string, end: string, announcedAt: number, scope: object) =>
      admin(c.app, "POST", "/api/v1/maintenance", {
        start: local(start),
        end: local(end),
        announcedAt,
        ...scope,
      });
    await declare("2025-03-05T11:00", "2025-03-05T13:00", local("2025-03-03T09:00"), { services: ["pop"] });
    await declare("2025-03-05T18:00", "2025-03-05T19:00", clock.t, { segments: ["north"] });
    const gone = await declare("2025-03-06T18:00", "2025-03-06T19:00", clock.t, {});
    expect((await admin(c.app, "POST", `/api/v1/maintenance/${gone.body.window.id}/cancel`)).status).toBe(
      200,
    );
    const live = (await c.source.snapshot()).live;
    expect(live.maintenance.map((w) => [w.start, w.late, w.countsAs, w.covers])).toEqual([
      [local("2025-03-05T11:00"), false, "maintenance", [{ service: "pop", segment: "south" }]],
      [
        local("2025-03-05T18:00"),
        true,
        "fault",
        ["mx", "imap", "submission"].map((service) => ({ service, segment: "north" })),
      ],
    ]);
    const text = (await c.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(sample(text, "mailsla_maintenance_active", { service: "pop", segment: "south" })).toBe(1);
    expect(sample(text, "mailsla_maintenance_windows", { state: "upcoming" })).toBe(1);
    expect(sample(text, "mailsla_maintenance_late_notice_windows")).toBe(1);
  });
});

describe("startCollector", () => {
  it("serves the SLA wiring with the given clock, and its ingests invalidate the cache", async () => {
    Object.assign(process.env, TOKEN_ENV);
    const dataDir = tempDir();
    const yaml = `${CONFIG_YAML}collector:
  listen: "127.0.0.1:0"
  dataDir: "${dataDir}"
  agentTokens: { a: { env: MAILSLA_TEST_TOKEN_A }, b: { env: MAILSLA_TEST_TOKEN_B }, c: { env: MAILSLA_TEST_TOKEN_C } }
  adminToken: { env: MAILSLA_TEST_ADMIN_TOKEN }
`;
    const clock = new Clock(local("2025-03-05T12:00"));
    const running: RunningCollector = await startCollector(parseConfigText(yaml), { now: clock.now });
    open.push(running);
    const sla = async () =>
      (await running.app.inject({ method: "GET", url: "/api/v1/sla", headers: bearer(ADMIN) })).json();
    expect((await sla()).figures.faultMinutes.value).toBeNull(); // nothing seen yet: no data, not 0
    const down = (v: string, t: number) => v !== "c" && t >= local("2025-03-05T11:00");
    await push(
      running.app,
      checks("imap", "imap", ["a", "b", "c"], local("2025-03-05T10:50"), local("2025-03-05T11:10"), down),
    );
    // imap (north, 0.6) down from 11:00 to now (12:00): its last results stay fresh until 11:12 only.
    expect((await sla()).figures.faultMinutes.value).toBeCloseTo(12 * 0.6, 9);
    expect((await sla()).month).toBe("2025-03");
  });
});
