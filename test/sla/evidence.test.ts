/**
 * No verdict without evidence (DESIGN step 10): the same healthy November judged from a complete
 * record, from 1 % of it, and from nothing; a fault beyond the target seen in that 1 %; and 7.1.5
 * in a year that has only begun.
 */
import { describe, expect, it } from "vitest";
import { computeMonth, type PeriodResult } from "../../collector/sla/engine.js";
import { hourCoverage } from "../../collector/sla/evidence.js";
import { computeYear } from "../../collector/sla/year.js";
import { allSeries, DAY, DEC, HOUR, MIN, NOV, novemberInput, setup } from "./fixtures.js";

const TIME_FIGURES = [
  "faultMinutes",
  "maintenanceMinutes",
  "availability",
  "availabilityUserWeighted",
  "faultFreeRate",
] as const;
const verdicts = (r: PeriodResult) => Object.fromEntries(TIME_FIGURES.map((k) => [k, r.figures[k].verdict]));

/** November with results only in `[from, to)`. */
const seenOnly = (from: number, to: number, fails = false) => {
  const s = setup();
  return { setup: s, now: DEC + DAY, series: allSeries(s, from, to, () => () => fails) };
};

describe("verdicts carry evidence", () => {
  it("a complete healthy month passes every time figure", () => {
    const r = computeMonth(
      novemberInput(setup(), () => () => false),
      "2026-11",
    );
    expect(Object.values(verdicts(r))).toEqual(Array(5).fill("pass"));
    expect(r.figures.availability.evidence).toBeNull();
  });

  it("1 % of the month seen and healthy proves nothing: UNPROVEN, saying how much was unknown", () => {
    const r = computeMonth(seenOnly(NOV + 10 * DAY, NOV + 10 * DAY + 7 * HOUR), "2026-11");
    expect(r.coverage.ratio).toBeLessThan(0.011);
    expect(verdicts(r)).toEqual({
      faultMinutes: "unproven",
      maintenanceMinutes: "unproven",
      availability: "unproven",
      availabilityUserWeighted: "unproven",
      faultFreeRate: "unproven",
    });
    // The values are what was seen; the verdict says they prove nothing.
    expect(r.figures.availability.value).toBe(1);
    expect(r.figures.availability.evidence).toMatch(
      /^\d+\.\d h of the period unknown: as fault it would take availability below the target$/,
    );
    expect(r.figures.faultMinutes.evidence).toMatch(
      /user-weighted unknown could hold fault beyond the target$/,
    );
  });

  it("a month never seen is no data, never 100 %", () => {
    const r = computeMonth({ setup: setup(), now: DEC + DAY, series: [] }, "2026-11");
    for (const k of TIME_FIGURES) {
      expect(r.figures[k], k).toMatchObject({ value: null, verdict: "unproven", evidence: "no data" });
    }
  });

  it("fault seen is FAIL whatever the coverage", () => {
    // 2 % of the month seen, all of it down from every vantage point: 864 min x 0.6 = 518 weighted > 400.
    const r = computeMonth(seenOnly(NOV + 10 * DAY, NOV + 10 * DAY + 864 * MIN, true), "2026-11");
    expect(r.figures.faultMinutes.verdict).toBe("fail");
    expect(r.figures.availability.verdict).toBe("fail");
  });

  it("7.1.5 does not pass a year after one monitored day: it projects", () => {
    const s = setup();
    const y = computeYear(
      { setup: s, now: NOV + 11 * DAY, series: allSeries(s, NOV + 10 * DAY, NOV + 11 * DAY) },
      "2026",
    );
    expect(y.faultFreeDays.verdict).toBe("unproven");
    expect(y.unknownDays).toBeGreaterThan(300);
    expect(y.canStillHold).toBe(true);
    expect(y.faultFreeDays.evidence).toMatch(
      /^0 fault day\(s\) so far, \d+ day\(s\) unknown, 50 to come: the budget of 65 can still hold$/,
    );
  });
});

describe("hourCoverage", () => {
  const start = NOV;
  it("counts whole hours with a result, leaving out the hour still running", () => {
    const range = { start, end: start + 3 * HOUR + 20 * MIN };
    expect(hourCoverage([start + 5 * MIN, start + HOUR + 1, start + 3 * HOUR + MIN], range)).toBeCloseTo(
      2 / 3,
      9,
    );
  });
  it("a range under an hour is covered by any result, uncovered by none", () => {
    const range = { start, end: start + 30 * MIN };
    expect(hourCoverage([start + MIN], range)).toBe(1);
    expect(hourCoverage([], range)).toBe(0);
  });
});
