import { describe, expect, it } from "vitest";
import { yearRange } from "../../collector/sla/calendar.js";
import { computeYear } from "../../collector/sla/year.js";
import { DAY, HOUR, MIN, during, series, setup } from "./fixtures.js";

/** Results every 5 minutes over the whole year, a and b failing in `spans`. */
function yearInput(year: string, now: number, tz: string, ...spans: [number, number][]) {
  const s = setup({ timeZone: tz, services: [{ name: "mx", intervalMs: 5 * MIN }] });
  const { start, end } = yearRange(year, tz);
  const fails = during(...spans);
  return {
    setup: s,
    now,
    series: ["a", "b", "c"].map((v) =>
      series("mx", v, start - HOUR, end + HOUR, v === "c" ? () => false : fails, 5 * MIN),
    ),
  };
}

describe("fault-free days per year (7.1.5)", () => {
  const tz = "Asia/Shanghai";
  const { start, end } = yearRange("2026", tz);

  it("a fault crossing midnight in Shanghai touches two calendar days", () => {
    const midnight = start + 100 * DAY; // 2026-04-11 00:00 +08:00
    const r = computeYear(
      yearInput("2026", end + DAY, tz, [midnight - 20 * MIN, midnight + 20 * MIN]),
      "2026",
    );
    expect(r.faultDays).toEqual(["2026-04-10", "2026-04-11"]);
    expect(r.faultFreeDays).toMatchObject({ clause: "7.1.5", value: 363, pass: true, partial: false });
    expect(r).toMatchObject({ daysInYear: 365, elapsedDays: 365, budget: 65, budgetRemaining: 63 });
  });

  it("the same fault is one day in UTC: days are the operator's, not the server's", () => {
    const midnight = start + 100 * DAY;
    const r = computeYear(
      yearInput("2026", end + DAY, "UTC", [midnight - 20 * MIN, midnight + 20 * MIN]),
      "2026",
    );
    expect(r.faultDays).toEqual(["2026-04-10"]);
  });

  it("a fault ending exactly at midnight does not touch the next day ([start, end))", () => {
    const midnight = start + 100 * DAY;
    const r = computeYear(yearInput("2026", end + DAY, tz, [midnight - 20 * MIN, midnight]), "2026");
    expect(r.faultDays).toEqual(["2026-04-10"]);
  });

  it("66 fault days fail a common year; a leap year's budget is 66", () => {
    const spans = Array.from({ length: 66 }, (_, i): [number, number] => [
      start + i * DAY,
      start + i * DAY + HOUR,
    ]);
    const common = computeYear(yearInput("2026", end + DAY, tz, ...spans), "2026");
    expect(common.faultFreeDays).toMatchObject({ value: 299, pass: false });
    expect(common.budgetRemaining).toBe(-1);
    const leap = yearRange("2028", tz);
    const leapSpans = spans.map(([s, e]): [number, number] => [
      s - start + leap.start,
      e - start + leap.start,
    ]);
    const r = computeYear(yearInput("2028", leap.end + DAY, tz, ...leapSpans), "2028");
    expect(r).toMatchObject({ daysInYear: 366, budget: 66, budgetRemaining: 0 });
    expect(r.faultFreeDays).toMatchObject({ value: 300, pass: true });
  });

  it("in a running year the value counts days to come as fault-free, and is partial", () => {
    const now = start + 50 * DAY + 12 * HOUR;
    const r = computeYear(yearInput("2026", now, tz, [start + 3 * DAY, start + 3 * DAY + HOUR]), "2026");
    expect(r).toMatchObject({ elapsedDays: 51, faultDays: ["2026-01-04"], budgetRemaining: 64 });
    expect(r.faultFreeDays).toMatchObject({ value: 364, pass: true, partial: true });
  });
});
