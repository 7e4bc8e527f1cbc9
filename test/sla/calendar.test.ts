import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  dayOf,
  daysOf,
  monthBoundaries,
  monthOf,
  monthRange,
  yearOf,
  yearRange,
} from "../../collector/sla/calendar.js";
import { normalize, splitAt, totalLength, type Interval } from "../../collector/sla/intervals.js";
import { DAY, HOUR } from "./fixtures.js";

const SH = "Asia/Shanghai";
const NY = "America/New_York";

describe("calendar periods in the operator's zone (DESIGN step 8)", () => {
  it("a Shanghai month starts at 00:00 +08:00, which is 16:00 UTC the day before", () => {
    expect(monthRange("2026-11", SH)).toEqual({
      start: Date.UTC(2026, 9, 31, 16),
      end: Date.UTC(2026, 10, 30, 16),
    });
    expect(monthOf(Date.UTC(2026, 9, 31, 15, 59), SH)).toBe("2026-10");
    expect(monthOf(Date.UTC(2026, 9, 31, 16), SH)).toBe("2026-11");
    expect(yearOf(Date.UTC(2026, 11, 31, 16), SH)).toBe("2027");
    expect(dayOf(Date.UTC(2026, 10, 2, 15, 59), SH)).toBe("2026-11-02");
  });

  it("New York: the DST month is an hour shorter, its days 23 and 25 hours long", () => {
    const march = monthRange("2026-03", NY);
    expect(march.end - march.start).toBe(31 * DAY - HOUR);
    const days = daysOf(monthRange("2026-03", NY), NY);
    expect(days).toHaveLength(31);
    expect(
      days.find((d) => d.date === "2026-03-08")!.end - days.find((d) => d.date === "2026-03-08")!.start,
    ).toBe(23 * HOUR);
    const nov = daysOf(monthRange("2026-11", NY), NY);
    const fallBack = nov.find((d) => d.date === "2026-11-01")!;
    expect(fallBack.end - fallBack.start).toBe(25 * HOUR);
    expect(nov.reduce((n, d) => n + (d.end - d.start), 0)).toBe(30 * DAY + HOUR);
  });

  it("São Paulo 2018: a day whose midnight did not exist starts at 01:00", () => {
    const [day] = daysOf(
      { start: Date.UTC(2018, 10, 4, 12), end: Date.UTC(2018, 10, 4, 13) },
      "America/Sao_Paulo",
    );
    expect(day!.date).toBe("2018-11-04");
    expect(day!.start).toBe(Date.UTC(2018, 10, 4, 3)); // 01:00 -02:00
    expect(day!.end - day!.start).toBe(23 * HOUR);
  });

  it("days of a year tile it exactly: 365 or 366 days, no gap, no overlap", () => {
    for (const [year, n] of [
      ["2026", 365],
      ["2028", 366],
    ] as const) {
      for (const tz of [SH, NY]) {
        const range = yearRange(year, tz);
        const days = daysOf(range, tz);
        expect(days).toHaveLength(n);
        expect(days[0]!.start).toBe(range.start);
        expect(days.at(-1)!.end).toBe(range.end);
        days.forEach((d, i) => i > 0 && expect(d.start).toBe(days[i - 1]!.end));
      }
    }
  });

  it("rejects malformed period names", () => {
    expect(() => monthRange("2026-13", SH)).toThrow(RangeError);
    expect(() => yearRange("26", SH)).toThrow(RangeError);
    expect(() => monthOf(0, "Mars/Olympus")).toThrow(RangeError);
  });

  it("splitting intervals at month boundaries preserves totals, each piece in one month (property)", () => {
    const year = yearRange("2026", NY);
    const spans = fc
      .array(
        fc.tuple(fc.integer({ min: year.start, max: year.end }), fc.integer({ min: 0, max: 90 * DAY })),
        {
          maxLength: 10,
        },
      )
      .map((xs) => normalize(xs.map(([s, len]): Interval => ({ start: s, end: s + len }))));
    fc.assert(
      fc.property(spans, (list) => {
        const range = { start: year.start, end: year.end + 100 * DAY };
        const pieces = splitAt(list, monthBoundaries(range, NY));
        expect(totalLength(pieces)).toBe(totalLength(list));
        for (const p of pieces) expect(monthOf(p.start, NY)).toBe(monthOf(p.end - 1, NY));
      }),
    );
  });
});
