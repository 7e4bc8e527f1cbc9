/**
 * Faults across month boundaries, and the year put together from its months. Loading is bounded to
 * a month plus the lookback, so these pin the two places where that could go wrong: an incident
 * that began in the previous month keeps its id (and its force majeure mark), and a month lists its
 * incidents with their true end; and the year built from cached months equals computeYear.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineInput } from "../../collector/sla-source/input.js";
import { loadRange } from "../../collector/sla-source/load-range.js";
import { monthRange, yearRange } from "../../collector/sla/calendar.js";
import { setupFromConfig } from "../../collector/sla/timeline.js";
import { computeYear } from "../../collector/sla/year.js";
import {
  admin,
  checks,
  Clock,
  config,
  failing,
  local,
  MIN,
  push,
  slaCollector,
  type Json,
  type SlaCollector,
} from "./sla-scenario.js";

const O1_NORTH = "north@2025-03-31T15:30:00.000Z"; // mx, Mar 31 23:30 to Apr 1 00:30 local
const O2 = "north@2025-04-28T04:00:00.000Z"; // imap (north), Apr 28 12:00 to May 2 12:00 local

const clock = new Clock(local("2025-06-10T12:00"));
let c: SlaCollector;

beforeAll(async () => {
  c = await slaCollector(clock);
  const o1 = failing(["a", "b"], local("2025-03-31T23:30"), local("2025-04-01T00:30"));
  await push(
    c.app,
    checks("mx", "smtp", ["a", "b", "c"], local("2025-03-31T22:00"), local("2025-04-01T02:00"), o1),
  );
  const o2 = failing(["a", "b"], local("2025-04-28T12:00"), local("2025-05-02T12:00"));
  await push(
    c.app,
    checks("imap", "imap", ["a", "b", "c"], local("2025-04-28T11:00"), local("2025-05-02T13:00"), o2),
  );
  const fm = await admin(c.app, "PATCH", `/api/v1/incidents/${O1_NORTH}/annotation`, {
    forceMajeure: { reason: "regional power grid failure" },
  });
  expect(fm.status).toBe(200);
});
afterAll(async () => {
  await c.close();
});

const month = async (m: string): Promise<Json> => (await admin(c.app, "GET", `/api/v1/sla?month=${m}`)).body;
const incident = (body: Json, id: string): Json => body.incidents.find((i: Json) => i.id === id);

describe("a fault crossing a month boundary", () => {
  it("keeps its id and force majeure mark in the later month (1.5, 7.1.2)", async () => {
    const april = await month("2025-04");
    expect(incident(april, O1_NORTH)).toMatchObject({
      start: local("2025-03-31T23:30"),
      end: local("2025-04-01T00:30"),
      faultMinutes: 0,
      forceMajeureMinutes: 30,
    });
    // April: O1's south half, 30 min x 0.4 = 12; O2 from Apr 28 12:00 to May 1 00:00, 3600 min x 0.6.
    expect(april.figures.faultMinutes.value).toBeCloseTo(12 + 2160, 9);
    expect(april.warnings).toEqual([]);
  });

  it("is listed with its true end in the earlier month, and counted there up to the boundary", async () => {
    const march = await month("2025-03");
    expect(incident(march, O1_NORTH)).toMatchObject({
      end: local("2025-04-01T00:30"),
      forceMajeureMinutes: 30,
    });
    expect(march.figures.faultMinutes.value).toBeCloseTo(30 * 0.4, 9);
    const april = await month("2025-04");
    expect(incident(april, O2)).toMatchObject({ end: local("2025-05-02T12:00"), faultMinutes: 3600 });
  });

  it("reaches back days for a long fault, and only a lookback when nothing crosses the boundary", async () => {
    const may = await month("2025-05");
    expect(may.incidents.map((i: Json) => [i.id, i.faultMinutes])).toEqual([[O2, 36 * 60]]);
    const setup = setupFromConfig(config());
    const tz = setup.timeZone;
    const mayRead = await loadRange(c.store.results, setup, monthRange("2025-05", tz), clock.t);
    expect(mayRead.start).toBeLessThanOrEqual(local("2025-04-28T12:00"));
    const june = monthRange("2025-06", tz);
    // (2 failures + 3 stale intervals) x 1 minute before; the running month reads up to now.
    expect(await loadRange(c.store.results, setup, june, clock.t)).toEqual({
      start: june.start - 5 * MIN,
      end: clock.t,
    });
    const feb = monthRange("2025-02", tz);
    expect(await loadRange(c.store.results, setup, feb, clock.t)).toEqual({
      start: feb.start - 5 * MIN,
      end: feb.end + 5 * MIN,
    });
  });
});

describe("the year from its months", () => {
  it("equals computeYear over the whole year read at once", async () => {
    const { body } = await admin(c.app, "GET", "/api/v1/sla?year=2025");
    const whole = computeYear(
      await engineInput(c.store, config(), clock.t, yearRange("2025", "Asia/Shanghai")),
      "2025",
    );
    // The year's own result equals computeYear's; the API adds its months and their totals.
    expect({ ...body, year: undefined, months: undefined, totals: undefined }).toEqual({
      ...whole,
      year: undefined,
    });
    // 7.1.5: Mar 31 (O1 south), Apr 1, and Apr 28 to May 2.
    expect(body.faultDays).toEqual([
      "2025-03-31",
      "2025-04-01",
      "2025-04-28",
      "2025-04-29",
      "2025-04-30",
      "2025-05-01",
      "2025-05-02",
    ]);
    expect(body.faultFreeDays.value).toBe(365 - 7);
  });
});
