import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computePeriod } from "../../collector/sla/engine.js";
import type { ForceMajeureMark } from "../../collector/sla/force-majeure.js";
import { intersect } from "../../collector/sla/intervals.js";
import type { MaintenanceWindow } from "../../collector/sla/maintenance.js";
import { buildTimeline, type EngineInput } from "../../collector/sla/timeline.js";
import { DAY, HOUR, MIN, NOV, during, series, twoSegmentSetup } from "./fixtures.js";

/** Random operations of two segments over two days, checked every 5 minutes from three vantage points. */
const STEP = 5 * MIN;
const END = NOV + 2 * DAY;
const base = twoSegmentSetup(STEP);
const STREAMS = base.services.flatMap((s) => base.vantagePoints.map((v) => [s.name, v] as const));

const offset = fc.integer({ min: -60, max: 2 * 24 * 60 }).map((m) => NOV + m * MIN);
const span = fc
  .tuple(offset, fc.integer({ min: 1, max: 600 }))
  .map(([s, len]): [number, number] => [s, s + len * MIN]);
const spans = fc.array(span, { maxLength: 4 });
const subset = (names: string[]) => fc.option(fc.subarray(names, { minLength: 1 }), { nil: undefined });

const windowArb = fc
  .record({ at: span, noticeHours: fc.integer({ min: 0, max: 72 }) })
  .chain(({ at, noticeHours }) =>
    fc
      .record({ segments: subset(["north", "south"]), services: subset(["mx", "imap"]) })
      .map((scope): MaintenanceWindow => ({
        id: `w${at[0]}`,
        start: at[0],
        end: at[1],
        announcedAt: at[0] - noticeHours * HOUR,
        ...(scope.segments && { segments: scope.segments }),
        ...(scope.services && { services: scope.services }),
      })),
  );
const markArb = fc
  .tuple(span, subset(["north", "south"]), subset(["mx", "imap"]))
  .map(([[start, end], segments, services]): ForceMajeureMark => ({
    id: `fm${start}`,
    reason: "storm",
    start,
    end,
    segments,
    ...(services && { services }),
  }));

const scenario = fc.record({
  fails: fc.array(spans, { minLength: STREAMS.length, maxLength: STREAMS.length }),
  maintenance: fc.array(windowArb, { maxLength: 3 }),
  forceMajeure: fc.array(markArb, { maxLength: 2 }),
  now: fc.integer({ min: NOV + DAY, max: END + DAY }),
  lateNoticeCountsAs: fc.constantFrom("fault" as const, "maintenance" as const),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

function inputOf(s: Scenario, extra: [string, string, [number, number][]][] = []): EngineInput {
  const streams = [...STREAMS.map(([svc, v], i) => [svc, v, s.fails[i]!] as const), ...extra];
  return {
    setup: {
      ...base,
      lateNoticeCountsAs: s.lateNoticeCountsAs,
      vantagePoints: [...new Set([...base.vantagePoints, ...extra.map((e) => e[1])])],
    },
    now: s.now,
    series: streams.map(([svc, v, f]) => series(svc, v, NOV - HOUR, END + HOUR, during(...f), STEP)),
    maintenance: s.maintenance,
    forceMajeure: s.forceMajeure,
  };
}

const period = { start: NOV, end: END };
const periodMinutes = (s: Scenario) => (Math.min(END, s.now) - NOV) / MIN;
const EPS = 1e-9;

describe("engine properties", () => {
  it("weighted fault + maintenance + force majeure minutes never exceed the period's minutes", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const r = computePeriod(inputOf(s), period);
        const f = r.figures.faultMinutes.value as number;
        const m = r.figures.maintenanceMinutes.value as number;
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f + m + r.forceMajeure.weightedMinutes).toBeLessThanOrEqual(periodMinutes(s) + EPS);
        for (const seg of r.segments) {
          const sum = seg.faultMinutes + seg.maintenanceMinutes + seg.forceMajeureMinutes;
          expect(sum).toBeLessThanOrEqual(periodMinutes(s) + EPS);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("fault, maintenance and force majeure never share an instant", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const t = buildTimeline(inputOf(s), { start: NOV, end: Math.min(END, s.now) });
        for (const seg of t.segments) {
          expect(intersect(seg.fault, seg.maintenance)).toEqual([]);
          expect(intersect(seg.fault, seg.excused)).toEqual([]);
          expect(intersect(seg.maintenance, seg.excused)).toEqual([]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("availability, weighted availability, fault-free rate and coverage lie in [0, 1]", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const r = computePeriod(inputOf(s), period);
        const values = [
          r.figures.availability,
          r.figures.availabilityUserWeighted,
          r.figures.faultFreeRate,
        ].map((x) => x.value as number | null);
        for (const v of [...values, r.coverage.ratio]) {
          if (v === null) continue;
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("splitting a period at any instant preserves every total", () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: NOV + 1, max: END - 1 }), (s, cut) => {
        const input = inputOf({ ...s, now: END + DAY });
        const whole = computePeriod(input, period);
        const parts = [
          computePeriod(input, { start: NOV, end: cut }),
          computePeriod(input, { start: cut, end: END }),
        ];
        const sum = (f: (r: typeof whole) => number) => parts.reduce((n, r) => n + f(r), 0);
        const figures: ((r: typeof whole) => number)[] = [
          (r) => r.figures.faultMinutes.value as number,
          (r) => r.figures.maintenanceMinutes.value as number,
          (r) => r.forceMajeure.weightedMinutes,
          (r) => r.coverage.unknownMinutes,
          ...whole.segments.map((_, i) => (r: typeof whole) => r.segments[i]!.faultMinutes),
        ];
        for (const f of figures) expect(sum(f)).toBeCloseTo(f(whole), 6);
      }),
      { numRuns: 40 },
    );
  });

  it("an incident's services start with it and end with it; each names a quorum of vantage points", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const r = computePeriod(inputOf(s), period);
        for (const i of r.incidents) {
          expect(i.services.length, i.id).toBeGreaterThan(0);
          expect(Math.min(...i.services.map((x) => x.start))).toBe(i.start);
          const ends = i.services.map((x) => x.end ?? Infinity);
          expect(Math.max(...ends)).toBe(i.end ?? Infinity);
          for (const x of i.services) expect(x.vantagePoints.length).toBeGreaterThanOrEqual(2);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("a force majeure span scoped to services never excuses more than the same span for all", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const all = s.forceMajeure.map((m) => ("services" in m ? { ...m, services: undefined } : m));
        const scoped = computePeriod(inputOf(s), period).forceMajeure.weightedMinutes;
        const unscoped = computePeriod(inputOf({ ...s, forceMajeure: all }), period).forceMajeure
          .weightedMinutes;
        expect(scoped).toBeLessThanOrEqual(unscoped + EPS);
      }),
      { numRuns: 60 },
    );
  });

  it("adding a failing vantage point never reduces fault time", () => {
    fc.assert(
      fc.property(scenario, spans, spans, (s, mxFails, imapFails) => {
        const before = computePeriod(inputOf(s), period);
        const after = computePeriod(
          inputOf(s, [
            ["mx", "d", mxFails],
            ["imap", "d", imapFails],
          ]),
          period,
        );
        expect(after.figures.faultMinutes.value as number).toBeGreaterThanOrEqual(
          (before.figures.faultMinutes.value as number) - EPS,
        );
        before.segments.forEach((seg, i) =>
          expect(after.segments[i]!.faultMinutes).toBeGreaterThanOrEqual(seg.faultMinutes),
        );
      }),
      { numRuns: 40 },
    );
  });
});
