import type { EngineInput, EngineSetup, ServiceSetup } from "../../collector/sla/timeline.js";
import type { ObservationSeries } from "../../collector/sla/vantage-state.js";

/** Shared builders for the SLA engine tests: a small operator and results minute by minute. */

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** 2026-11-01 00:00 in Asia/Shanghai (UTC+8, no DST). */
export const NOV = Date.UTC(2026, 9, 31, 16);
/** 2026-12-01 00:00 in Asia/Shanghai. */
export const DEC = Date.UTC(2026, 10, 30, 16);

/** One segment "north" of 600k of 1M users, three vantage points, one service checked each minute. */
export function setup(over: Partial<EngineSetup> = {}): EngineSetup {
  return {
    timeZone: "Asia/Shanghai",
    totalUsers: 1_000_000,
    segments: [{ name: "north", users: 600_000 }],
    vantagePoints: ["a", "b", "c"],
    services: [{ name: "mx", intervalMs: MIN }],
    thresholds: { consecutiveFailures: 2, quorum: 2, staleAfterIntervals: 3 },
    lateNoticeCountsAs: "fault",
    ...over,
  };
}

/** {@link setup} with segments north (600k) and south (300k), mx for both and imap for south only, checked every `stepMs`. */
export function twoSegmentSetup(stepMs: number): EngineSetup {
  return setup({
    segments: [
      { name: "north", users: 600_000 },
      { name: "south", users: 300_000 },
    ],
    services: [
      { name: "mx", intervalMs: stepMs },
      { name: "imap", intervalMs: stepMs, segments: ["south"] },
    ],
  });
}

/** Results of one (service, vantage) every `step` in `[from, to)`, failed where `fails(t)`. */
export function series(
  service: string,
  vantage: string,
  from: number,
  to: number,
  fails: (t: number) => boolean = () => false,
  step = MIN,
): ObservationSeries {
  const at: number[] = [];
  const ok: boolean[] = [];
  for (let t = from; t < to; t += step) {
    at.push(t);
    ok.push(!fails(t));
  }
  return { service, vantage, at, ok };
}

/** A predicate true inside `[start, end)`. */
export const during =
  (...spans: [number, number][]) =>
  (t: number) =>
    spans.some(([s, e]) => t >= s && t < e);

/** Every vantage point of every service reporting each minute over `[from, to)`, failing where told. */
export function allSeries(
  s: EngineSetup,
  from: number,
  to: number,
  fails: (service: ServiceSetup, vantage: string) => (t: number) => boolean = () => () => false,
): ObservationSeries[] {
  return s.services.flatMap((svc) =>
    (svc.vantagePoints ?? s.vantagePoints).map((v) =>
      series(svc.name, v, from, to, fails(svc, v), svc.intervalMs),
    ),
  );
}

/** An input whose results cover November 2026 (Shanghai) and `now` is after it. */
export function novemberInput(
  s: EngineSetup,
  fails: (service: ServiceSetup, vantage: string) => (t: number) => boolean,
  extra: Partial<EngineInput> = {},
): EngineInput {
  return { setup: s, now: DEC + DAY, series: allSeries(s, NOV - HOUR, DEC + HOUR, fails), ...extra };
}

/** The same series without the results at the instants `drop` selects: an agent that went quiet. */
export function dropResults(s: ObservationSeries, drop: (t: number) => boolean): ObservationSeries {
  const keep = Array.from(s.at, (_, i) => i).filter((i) => !drop(s.at[i]!));
  return { ...s, at: keep.map((i) => s.at[i]!), ok: keep.map((i) => s.ok[i]!) };
}
