/**
 * The SLA engine wired into the collector, end to end through the HTTP API: a month of scripted
 * history pushed by three agents and declared by the operator (clock injected), then the month's
 * figures from GET /api/v1/sla and /metrics, each computed by hand below with its clause.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promtoolCheckMetrics } from "../helpers/tools.js";
import {
  admin,
  checks,
  Clock,
  delivery,
  failing,
  local,
  push,
  pushOpenSubmission,
  sample,
  slaCollector,
  type Json,
  type SlaCollector,
} from "./sla-scenario.js";

const MARCH_MIN = 31 * 24 * 60; // 44640 minutes in March (Asia/Shanghai has no DST)
const SO_FAR_MIN = MARCH_MIN - 12 * 60; // March 31 12:00: 43920 minutes elapsed
const E1 = "north@2025-03-05T02:00:00.000Z"; // imap, north, Mar 5 10:00-10:50 local
const E4_NORTH = "north@2025-03-20T06:00:00.000Z"; // mx, Mar 20 14:00-15:00 local, force majeure
const E4_SOUTH = "south@2025-03-20T06:00:00.000Z";

const clock = new Clock(local("2025-03-01T00:00"));
let c: SlaCollector;
/** /metrics scraped on Mar 20 at 14:30:30, in the middle of the mx outage. */
let during = "";

async function metrics(): Promise<string> {
  const r = await c.app.inject({ method: "GET", url: "/metrics" });
  expect(r.statusCode).toBe(200);
  return r.body;
}

/** Agents push as things happen; the operator declares windows and annotates on the way. */
async function history(): Promise<void> {
  const { app } = c;
  clock.set("2025-03-01T10:05");
  await push(
    app,
    checks("submission", "submission", ["b"], local("2025-03-01T10:00"), local("2025-03-01T10:01")),
  );
  clock.set("2025-03-04T12:00");
  await push(app, [
    delivery("a", {
      direction: "send",
      sentAt: local("2025-03-03T10:00"),
      delaySeconds: 30,
      errorBoundSeconds: 0.5,
      clock: "monotonic",
    }),
    delivery("a", {
      sentAt: local("2025-03-03T11:00"),
      delaySeconds: 60,
      errorBoundSeconds: 2,
      clock: "monotonic",
    }),
    delivery("a", {
      sentAt: local("2025-03-04T11:00"),
      outcome: "spam",
      delaySeconds: 120,
      errorBoundSeconds: 30,
      clock: "monotonic",
    }),
  ]);
  // E1: imap (north) fails from a and b, 10:00 to 10:50; c keeps passing.
  clock.set("2025-03-05T11:31");
  const e1 = failing(["a", "b"], local("2025-03-05T10:00"), local("2025-03-05T10:50"));
  await push(
    app,
    checks("imap", "imap", ["a", "b", "c"], local("2025-03-05T09:30"), local("2025-03-05T11:30"), e1),
  );
  // W1: pop maintenance Mar 10 02:00-03:00, announced 48 h ahead (6.1.6 met).
  clock.set("2025-03-08T02:00");
  const w1 = await admin(app, "POST", "/api/v1/maintenance", {
    start: local("2025-03-10T02:00"),
    end: local("2025-03-10T03:00"),
    services: ["pop"],
  });
  expect(w1.body).toMatchObject({ noticeHours: 48, lateNotice: false });
  clock.set("2025-03-10T03:31");
  const e2 = failing(["a", "b", "c"], local("2025-03-10T02:10"), local("2025-03-10T02:40"));
  await push(
    app,
    checks("pop", "pop3", ["a", "b", "c"], local("2025-03-10T01:30"), local("2025-03-10T03:30"), e2),
  );
  clock.set("2025-03-14T12:00");
  await push(app, [
    delivery("b", {
      direction: "send",
      sentAt: local("2025-03-12T08:00"),
      delaySeconds: 11_100,
      errorBoundSeconds: 1,
      clock: "wall",
    }),
    delivery("c", { sentAt: local("2025-03-12T09:00"), outcome: "lost", ageSeconds: 86_400 }),
    delivery("b", {
      direction: "send",
      sentAt: local("2025-03-13T10:00"),
      outcome: "send-failed",
      error: { code: "smtp-5xx", stage: "mail", message: "550 no" },
    }),
    delivery("c", {
      direction: "roundtrip",
      sentAt: local("2025-03-14T10:00"),
      delaySeconds: 5,
      errorBoundSeconds: 1,
      clock: "monotonic",
    }),
  ]);
  // W2: mx maintenance Mar 16 02:00-03:00 announced only 6 h ahead: late, so its down time is fault.
  clock.set("2025-03-15T20:00");
  const w2 = await admin(app, "POST", "/api/v1/maintenance", {
    start: local("2025-03-16T02:00"),
    end: local("2025-03-16T03:00"),
    services: ["mx"],
  });
  expect(w2.body).toMatchObject({ noticeHours: 6, lateNotice: true });
  clock.set("2025-03-16T03:01");
  const e3 = failing(["a", "b", "c"], local("2025-03-16T02:00"), local("2025-03-16T02:20"));
  await push(
    app,
    checks("mx", "smtp", ["a", "b", "c"], local("2025-03-16T01:30"), local("2025-03-16T03:00"), e3),
  );
  // E4: mx fails from a and b 14:00 to 15:00; pushed in two parts, /metrics scraped in between.
  const e4 = failing(["a", "b"], local("2025-03-20T14:00"), local("2025-03-20T15:00"));
  clock.t = local("2025-03-20T14:30") + 30_000;
  await push(
    app,
    checks("mx", "smtp", ["a", "b", "c"], local("2025-03-20T13:30"), local("2025-03-20T14:30"), e4),
  );
  during = await metrics();
  clock.set("2025-03-20T15:31");
  await push(
    app,
    checks("mx", "smtp", ["a", "b", "c"], local("2025-03-20T14:30"), local("2025-03-20T15:30"), e4),
  );
  const fm = await admin(app, "PATCH", `/api/v1/incidents/${E4_NORTH}/annotation`, {
    cause: "fibre cut",
    forceMajeure: { reason: "earthquake cut both fibre routes" },
  });
  expect(fm.status).toBe(200);
  // The submission service accepts mail without authentication, seen once from a (7.1.13).
  await pushOpenSubmission(app, clock);
}

beforeAll(async () => {
  c = await slaCollector(clock);
  await history();
});
afterAll(async () => {
  await c.close();
});

/**
 * 7.1.2: E1 50 min x 0.6 = 30; E3 (late window, counted as fault) 20 min x (0.6 + 0.4) = 20;
 * E4 north excused (1.5), south 60 min x 0.4 = 24. Total 74 weighted minutes.
 * 7.1.3: E2 inside W1, pop serves south only: 30 min x 0.4 = 12.
 * 7.1.4 strict: any segment in fault: 50 + 20 + 60 = 130 minutes (E4's south still counts).
 */
function expectMonthFigures(f: Json, minutes: number, partial: boolean): void {
  const close = (x: number) => expect.closeTo(x, 9);
  expect(f.faultMinutes).toMatchObject({
    clause: "7.1.2",
    value: close(74),
    target: 400,
    pass: true,
    partial,
  });
  // Bound: 2 x 1-minute checks x weight for each counted incident: 2 x (0.6 + 0.6 + 0.4 + 0.4).
  expect(f.faultMinutes.errorBound).toBeCloseTo(4, 9);
  expect(f.maintenanceMinutes).toMatchObject({ clause: "7.1.3", value: close(12), errorBound: close(0.8) });
  expect(f.availability).toMatchObject({ clause: "7.1.4", value: close(1 - 130 / minutes), pass: true });
  expect(f.availabilityUserWeighted.value).toBeCloseTo(1 - 74 / minutes, 12);
  // 7.1.10: running time excludes the 30 minutes of maintenance (south, inside W1).
  expect(f.faultFreeRate).toMatchObject({ clause: "7.1.10", value: close(1 - 130 / (minutes - 30)) });
  // 7.1.8: (30 + 11100) / 2 = 5565 s average, 11100 s maximum: both fail (600 s, 10800 s).
  expect(f.sendDelayAverage).toMatchObject({ clause: "7.1.8", value: 5565, pass: false, errorBound: 0.75 });
  expect(f.sendDelayMaximum).toMatchObject({ value: 11_100, pass: false, errorBound: 1 });
  // 7.1.9: the spam-filed message counts as delivered: (60 + 120) / 2 = 90 s, maximum 120 s.
  expect(f.receiveDelayAverage).toMatchObject({ clause: "7.1.9", value: 90, pass: true, errorBound: 16 });
  expect(f.receiveDelayMaximum).toMatchObject({ value: 120, pass: true, errorBound: 30 });
  // 7.1.12: 1 lost of 3 decided receive messages; reported only.
  expect(f.lossRate).toMatchObject({ clause: "7.1.12", value: close(1 / 3), pass: null });
  // 7.1.13: the latest verdict on submission is the auth-not-required of Mar 25.
  expect(f.smtpAuthRequired).toMatchObject({ clause: "7.1.13", value: false, pass: false });
  expect(f.openRelayClosed).toMatchObject({ clause: "7.1.14", value: null, pass: null });
}

describe("GET /api/v1/sla", () => {
  it("gives the current month so far by default (Mar 31 12:00), partial", async () => {
    clock.set("2025-03-31T12:00");
    const r = await admin(c.app, "GET", "/api/v1/sla");
    expect(r.status).toBe(200);
    expect(r.body.month).toBe("2025-03");
    expect(r.body.period).toMatchObject({
      start: local("2025-03-01T00:00"),
      partial: true,
      effectiveEnd: clock.t,
    });
    expectMonthFigures(r.body.figures, SO_FAR_MIN, true);
  });

  it("gives the whole month once it is over, with incidents, windows and deliveries (Apr 2)", async () => {
    clock.set("2025-04-02T12:00");
    const { body } = await admin(c.app, "GET", "/api/v1/sla?month=2025-03");
    expectMonthFigures(body.figures, MARCH_MIN, false);
    expect(body.period).toMatchObject({ end: local("2025-04-01T00:00"), partial: false });
    expect(body.faultDays).toEqual(["2025-03-05", "2025-03-16", "2025-03-20"]);
    const incidents = body.incidents.map((i: Json) => [i.id, i.faultMinutes, i.weightedMinutes]);
    expect(incidents).toEqual([
      [E1, 50, 30],
      ["north@2025-03-15T18:00:00.000Z", 20, 12],
      [E4_NORTH, 0, 0],
      ["south@2025-03-15T18:00:00.000Z", 20, 8],
      [E4_SOUTH, 60, 24],
    ]);
    expect(body.incidents[2]).toMatchObject({
      forceMajeureMinutes: 60,
      end: local("2025-03-20T15:00"),
      forceMajeure: [{ id: `incident:${E4_NORTH}`, reason: "earthquake cut both fibre routes" }],
    });
    expect(body.forceMajeure.weightedMinutes).toBeCloseTo(36, 9);
    const windows = body.maintenance.map((w: Json) => [
      w.noticeHours,
      w.violation,
      w.countedAs,
      w.downWeightedMinutes,
    ]);
    expect(windows).toEqual([
      [48, null, "maintenance", expect.closeTo(12, 9)],
      [6, "6.1.6", "fault", expect.closeTo(20, 9)],
    ]);
    expect(body.lateNoticeCountsAs).toBe("fault");
    expect(body.security.smtpAuthRequired).toEqual({
      value: false,
      failingAtEnd: ["submission"],
      failedDuring: ["submission"],
    });
    expect(body.delivery.receive).toMatchObject({ samples: 2, delivered: 2, lost: 1, inFlight: 0 });
    expect(body.deliveryOutcomes).toEqual({
      send: { delivered: 2, spam: 0, lost: 0, "send-failed": 1 },
      receive: { delivered: 1, spam: 1, lost: 1, "send-failed": 0 },
      roundtrip: { delivered: 1, spam: 0, lost: 0, "send-failed": 0 },
    });
    expect(body.manual).toEqual([]);
  });

  it("keeps 7.1.13 failing into April from March's verdict (the state is the latest verdict)", async () => {
    clock.set("2025-04-02T12:00");
    const { body } = await admin(c.app, "GET", "/api/v1/sla?month=2025-04");
    expect(body.figures.smtpAuthRequired).toMatchObject({ value: false, pass: false, partial: true });
    expect(body.security.smtpAuthRequired.failedDuring).toEqual([]);
    expect(body.figures.faultMinutes).toMatchObject({
      value: null,
      verdict: "unproven",
      evidence: "no data",
    });
  });

  it("gives the year: 7.1.5 fault days and budget", async () => {
    clock.set("2025-04-02T12:00");
    const { body } = await admin(c.app, "GET", "/api/v1/sla?year=2025");
    expect(body).toMatchObject({
      year: "2025",
      faultDays: ["2025-03-05", "2025-03-16", "2025-03-20"],
      daysInYear: 365,
      budget: 65,
      budgetRemaining: 62,
      faultFreeDays: { clause: "7.1.5", value: 362, pass: true, partial: true, verdict: "unproven" },
      canStillHold: true,
    });
    // Its months begun, each with verdicts, coverage and system minutes, and the year's totals.
    expect(body.months.map((m: Json) => m.month)).toEqual(["2025-01", "2025-02", "2025-03", "2025-04"]);
    const march = body.months.find((m: Json) => m.month === "2025-03");
    expect(march.figures.faultMinutes.value).toBeCloseTo(74, 6);
    expect(march.system.faultMinutes).toBeGreaterThan(0);
    expect(body.months.find((m: Json) => m.month === "2025-01").figures.availability).toMatchObject({
      value: null,
      verdict: "unproven",
    });
    expect(body.totals.faultMinutes).toBeCloseTo(
      body.months.reduce((n: number, m: Json) => n + (m.figures.faultMinutes.value ?? 0), 0),
      9,
    );
    expect(body.totals.systemFaultMinutes).toBeCloseTo(march.system.faultMinutes, 9);
    expect(body.totals.monthsWithoutData).toBe(3); // January, February, and April's first day and a half
  });

  it("gives the system's own fault, maintenance and unknown minutes of a month", async () => {
    clock.set("2025-04-02T12:00");
    const { body } = await admin(c.app, "GET", "/api/v1/sla?month=2025-03");
    expect(body.system.faultMinutes).toBeGreaterThan(0);
    expect(body.system.maintenanceMinutes).toBeGreaterThan(0);
    // Unknown time of the system: what no segment's fault or maintenance already covers.
    expect(body.system.unknownMinutes).toBeGreaterThan(0);
    expect(body.system.unknownMinutes).toBeLessThanOrEqual(body.coverage.unknownMinutes);
    // 7.1.4 is 1 - system fault / month: the two must agree.
    expect(body.figures.availability.value).toBeCloseTo(1 - body.system.faultMinutes / (31 * 24 * 60), 9);
  });

  it("refuses a bad month or year with 400 MAILSLA_INVALID_BODY, naming the parameter", async () => {
    const cases: [string, string][] = [
      ["/api/v1/sla?month=2025-13", "month: expected YYYY-MM, e.g. 2025-03"],
      ["/api/v1/sla?month=March", "month: expected YYYY-MM, e.g. 2025-03"],
      ["/api/v1/sla?year=25", "year: expected YYYY, e.g. 2025"],
      ["/api/v1/sla?month=2025-03&year=2025", "give exactly one of month=YYYY-MM or year=YYYY"],
      ["/api/v1/sla?week=12", 'unknown key "week"'],
      ["/api/v1/incidents?month=2025-3", "month: expected YYYY-MM, e.g. 2025-03"],
    ];
    for (const [url, message] of cases) {
      const r = await admin(c.app, "GET", url);
      expect([r.status, r.body.code, r.body.message], url).toEqual([400, "MAILSLA_INVALID_BODY", message]);
    }
  });
});

describe("GET /api/v1/incidents?month=", () => {
  it("lists the month's computed incidents with their annotations merged", async () => {
    clock.set("2025-04-02T12:00");
    const { body } = await admin(c.app, "GET", "/api/v1/incidents?month=2025-03");
    expect(body.month).toBe("2025-03");
    expect(body.incidents).toHaveLength(5);
    const fm = body.incidents.find((i: Json) => i.id === E4_NORTH);
    expect(fm.annotation).toMatchObject({
      incidentId: E4_NORTH,
      cause: "fibre cut",
      forceMajeure: { reason: "earthquake cut both fibre routes" },
    });
    expect(body.incidents.find((i: Json) => i.id === E1).annotation).toBeNull();
    expect(body.annotations.map((a: Json) => a.incidentId)).toEqual([E4_NORTH]);
    const current = await admin(c.app, "GET", "/api/v1/incidents");
    expect(current.body).toMatchObject({ month: "2025-04", incidents: [] });
  });
});

describe("/metrics", () => {
  it("shows the same figures as the API and passes promtool check metrics", async () => {
    clock.set("2025-03-31T12:00");
    const api = (await admin(c.app, "GET", "/api/v1/sla")).body.figures;
    const text = await metrics();
    const m = (name: string, labels: Record<string, string> = {}) => sample(text, name, labels);
    expect(m("mailsla_sla_fault_weighted_seconds", { clause: "7.1.2" })).toBeCloseTo(74 * 60, 6);
    expect(m("mailsla_sla_fault_weighted_seconds")).toBeCloseTo(api.faultMinutes.value * 60, 9);
    expect(m("mailsla_sla_maintenance_weighted_seconds", { clause: "7.1.3" })).toBeCloseTo(12 * 60, 6);
    expect(m("mailsla_sla_availability_ratio", { weighting: "strict" })).toBeCloseTo(
      1 - 130 / SO_FAR_MIN,
      12,
    );
    expect(m("mailsla_sla_availability_ratio", { weighting: "users" })).toBeCloseTo(1 - 74 / SO_FAR_MIN, 12);
    expect(m("mailsla_sla_fault_free_ratio")).toBeCloseTo(api.faultFreeRate.value, 12);
    expect(m("mailsla_sla_delivery_delay_average_seconds", { direction: "send" })).toBe(5565);
    expect(m("mailsla_sla_delivery_delay_maximum_seconds", { direction: "send" })).toBe(11_100);
    expect(m("mailsla_sla_delivery_delay_maximum_seconds", { direction: "receive" })).toBe(120);
    expect(m("mailsla_sla_loss_ratio", { direction: "receive" })).toBeCloseTo(1 / 3, 12);
    expect(m("mailsla_sla_compliant", { clause: "7.1.13" })).toBe(0);
    expect(m("mailsla_sla_compliant", { clause: "7.1.14" })).toBeUndefined();
    expect(m("mailsla_sla_fault_free_day_number")).toBe(362);
    expect(m("mailsla_sla_fault_day_number")).toBe(3);
    expect(m("mailsla_sla_force_majeure_weighted_seconds")).toBeCloseTo(36 * 60, 6);
    expect(m("mailsla_sla_notice_violations")).toBe(1);
    expect(m("mailsla_sla_pass", { figure: "sendDelayMaximum" })).toBe(0);
    expect(m("mailsla_sla_pass", { figure: "faultMinutes" })).toBe(1);
    const lint = promtoolCheckMetrics(text);
    expect(lint.output).toBe("");
    expect(lint.ok).toBe(true);
  });

  it("showed the live state in the middle of the mx outage (Mar 20 14:30:30)", () => {
    const m = (name: string, labels: Record<string, string> = {}) => sample(during, name, labels);
    for (const segment of ["north", "south"]) {
      expect(m("mailsla_service_state", { service: "mx", segment, state: "down" }), segment).toBe(1);
      expect(m("mailsla_segment_in_fault", { segment })).toBe(1);
      expect(m("mailsla_incidents_active", { segment })).toBe(1);
    }
    expect(m("mailsla_service_state", { service: "imap", segment: "north", state: "unknown" })).toBe(1);
    expect(m("mailsla_service_state", { service: "imap", segment: "south" })).toBeUndefined();
    expect(m("mailsla_fault_users_ratio")).toBe(1);
    // E4 so far, 14:00 to now (14:30:30), both segments: 30.5 min x (0.6 + 0.4), on top of E1 and E3.
    expect(m("mailsla_sla_fault_weighted_seconds")).toBeCloseTo((30 + 20 + 30.5) * 60, 6);
    for (const vantage of ["a", "b", "c"]) {
      expect(m("mailsla_agent_last_push_timestamp_seconds", { vantage })).toBe(
        (local("2025-03-20T14:30") + 30_000) / 1000,
      );
    }
    expect(m("mailsla_maintenance_windows", { state: "active" })).toBe(0);
    expect(promtoolCheckMetrics(during).ok).toBe(true);
  });
});

describe("cache", () => {
  it("recomputes nothing while nothing changes, and a new annotation recomputes the month", async () => {
    clock.set("2025-04-02T12:00");
    await admin(c.app, "GET", "/api/v1/sla?month=2025-03");
    await metrics();
    const before = c.source.stats().computations;
    await admin(c.app, "GET", "/api/v1/sla?month=2025-03");
    await admin(c.app, "GET", "/api/v1/sla?year=2025");
    await metrics();
    expect(c.source.stats().computations).toBe(before);
    // 7.1.2 override: E1 affected 300k users only, so it weighs 50 x 0.3 = 15 instead of 30.
    await admin(c.app, "PATCH", `/api/v1/incidents/${E1}/annotation`, { affectedUsers: 300_000 });
    const less = await admin(c.app, "GET", "/api/v1/sla?month=2025-03");
    expect(less.body.figures.faultMinutes.value).toBeCloseTo(59, 9);
    expect(c.source.stats().computations).toBe(before + 1);
    await admin(c.app, "PATCH", `/api/v1/incidents/${E1}/annotation`, { affectedUsers: null });
    expect(
      (await admin(c.app, "GET", "/api/v1/sla?month=2025-03")).body.figures.faultMinutes.value,
    ).toBeCloseTo(74, 9);
  });

  it("recomputes a past month when a late result falls in it, and only that month", async () => {
    clock.set("2025-04-02T12:00");
    await admin(c.app, "GET", "/api/v1/sla?month=2025-03");
    await admin(c.app, "GET", "/api/v1/sla?month=2025-04");
    const before = c.source.stats().computations;
    // An agent that was cut off delivers Mar 28: imap failing from a and b 09:00-09:10 (north).
    const late = failing(["a", "b"], local("2025-03-28T09:00"), local("2025-03-28T09:10"));
    await push(
      c.app,
      checks("imap", "imap", ["a", "b", "c"], local("2025-03-28T08:50"), local("2025-03-28T09:20"), late),
    );
    const march = (await admin(c.app, "GET", "/api/v1/sla?month=2025-03")).body;
    // 74 + 10 min x 0.6 = 80 weighted minutes (7.1.2); a fourth fault day (7.1.5).
    expect(march.figures.faultMinutes.value).toBeCloseTo(80, 9);
    expect(march.faultDays).toEqual(["2025-03-05", "2025-03-16", "2025-03-20", "2025-03-28"]);
    await admin(c.app, "GET", "/api/v1/sla?month=2025-04");
    expect(c.source.stats().computations).toBe(before + 1);
    const year = (await admin(c.app, "GET", "/api/v1/sla?year=2025")).body;
    expect(year).toMatchObject({ faultFreeDays: { value: 361 }, budgetRemaining: 61 });
    const text = await metrics();
    expect(sample(text, "mailsla_sla_fault_free_day_number")).toBe(361);
  });
});
