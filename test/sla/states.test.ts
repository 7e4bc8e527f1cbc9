import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { totalLength } from "../../collector/sla/intervals.js";
import { serviceState } from "../../collector/sla/service-state.js";
import {
  groupObservations,
  vantageState,
  type ObservationSeries,
  type VantageState,
} from "../../collector/sla/vantage-state.js";
import { MIN } from "./fixtures.js";

/** A series from a string: one character per minute, "." ok, "x" failed, " " no result. */
function timeline(pattern: string, vantage = "a"): ObservationSeries {
  const at: number[] = [];
  const ok: boolean[] = [];
  [...pattern].forEach((c, i) => {
    if (c === " ") return;
    at.push(i * MIN);
    ok.push(c === ".");
  });
  return { service: "mx", vantage, at, ok };
}

const rules = { consecutiveFailures: 2, staleMs: 3 * MIN, now: 1000 * MIN };
const minutes = (s: { start: number; end: number }[]) => s.map((i) => [i.start / MIN, i.end / MIN]);

describe("vantage point state (DESIGN step 2)", () => {
  it("failing from the first failure of a run of >= consecutiveFailures until the next success", () => {
    const s = vantageState(timeline("..x..xxx..xx."), rules);
    expect(minutes(s.failing)).toEqual([
      [5, 8],
      [10, 12],
    ]);
    expect(minutes(s.fresh)).toEqual([[0, 15]]);
  });

  it("a run still open ends at now, or where its last result goes stale", () => {
    expect(minutes(vantageState(timeline("..xxx"), { ...rules, now: 5.5 * MIN }).failing)).toEqual([
      [2, 5.5],
    ]);
    expect(minutes(vantageState(timeline("..xxx"), rules).failing)).toEqual([[2, 7]]);
  });

  it("a gap longer than the stale time breaks a run and leaves a hole in fresh time", () => {
    const s = vantageState(timeline("..x      x.xx    ."), rules);
    expect(minutes(s.fresh)).toEqual([
      [0, 5],
      [9, 15],
      [17, 20],
    ]);
    // x at 2 and x at 9 are not consecutive: the gap between them broke the run.
    expect(minutes(s.failing)).toEqual([[11, 15]]);
  });

  it("ignores results at or after now, and refuses unsorted series", () => {
    expect(vantageState(timeline("xxxx"), { ...rules, now: 0 })).toEqual({ failing: [], fresh: [] });
    const unsorted = { service: "mx", vantage: "a", at: [0, 2 * MIN, MIN], ok: [true, true, true] };
    expect(() => vantageState(unsorted, rules)).toThrow(/not sorted/);
  });

  it("groups loose observations into sorted series per (service, vantage)", () => {
    const grouped = groupObservations([
      { service: "mx", vantage: "b", at: 2, ok: false },
      { service: "mx", vantage: "a", at: 5, ok: true },
      { service: "mx", vantage: "b", at: 1, ok: true },
    ]);
    expect(grouped).toEqual([
      { service: "mx", vantage: "b", at: [1, 2], ok: [true, false] },
      { service: "mx", vantage: "a", at: [5], ok: [true] },
    ]);
  });

  it("failing time always lies within fresh time (property)", () => {
    const pattern = fc.stringMatching(/^[.x ]{0,60}$/);
    fc.assert(
      fc.property(pattern, fc.integer({ min: 1, max: 4 }), (p, cf) => {
        const s = vantageState(timeline(p), { ...rules, consecutiveFailures: cf });
        for (const f of s.failing)
          expect(s.fresh.some((r) => r.start <= f.start && f.end <= r.end)).toBe(true);
      }),
    );
  });
});

describe("service state: quorum of vantage points (DESIGN step 2)", () => {
  const range = { start: 0, end: 30 * MIN };
  const state = (...patterns: string[]) =>
    serviceState(
      "mx",
      patterns.map((p, i) => vantageState(timeline(p, `v${i}`), { ...rules, now: 30 * MIN })),
      2,
      range,
    );

  it("one vantage point failing alone never makes the service down", () => {
    const s = state(
      "..xxxxxxxxxx..................",
      "..............................",
      ".............................",
    );
    expect(s.down).toEqual([]);
    expect(s.unknown).toEqual([]);
  });

  it("down from the first failure of the runs reaching quorum until fewer than quorum fail", () => {
    const s = state(
      "..xxxxxxxxxx..................",
      ".....xxxxxxxxxxxxx............",
      "..............................",
    );
    expect(minutes(s.down)).toEqual([[5, 12]]);
  });

  it("stale results make the service unknown, not down", () => {
    // Two of three vantage points fail at 8 and 9, then report nothing: stale 3 minutes after 9.
    const s = state("........xx", "........xx", "..............................");
    expect(minutes(s.down)).toEqual([[8, 12]]);
    expect(minutes(s.unknown)).toEqual([[12, 30]]);
  });

  it("adding a failing vantage point never reduces down time (property)", () => {
    const pattern = fc.stringMatching(/^[.x ]{0,40}$/);
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 4 }), pattern, (patterns, extra) => {
        const states: VantageState[] = patterns.map((p, i) => vantageState(timeline(p, `v${i}`), rules));
        const before = serviceState("mx", states, 2, range);
        const after = serviceState("mx", [...states, vantageState(timeline(extra, "new"), rules)], 2, range);
        expect(totalLength(after.down)).toBeGreaterThanOrEqual(totalLength(before.down));
        expect(totalLength(after.unknown)).toBeLessThanOrEqual(totalLength(before.unknown));
      }),
    );
  });
});
