import { monthRange, yearRange } from "../collector/sla/calendar.js";
import type { DelaySample, LostMessage } from "../collector/sla/delivery.js";
import type { ForceMajeureMark } from "../collector/sla/force-majeure.js";
import type { Interval } from "../collector/sla/intervals.js";
import type { MaintenanceWindow } from "../collector/sla/maintenance.js";
import type { EngineInput, EngineSetup } from "../collector/sla/timeline.js";
import type { ObservationSeries } from "../collector/sla/vantage-state.js";
import { lcg } from "./probe-rows.js";

/**
 * A synthetic operator year for the recompute bench: 4 segments, each served by its own instance
 * of 5 services (mx, submission, imap, pop3, webmail), each instance checked every minute from 3
 * vantage points. That is 20 services × 3 vantage points = 60 (service, vantage) series of
 * ~525,600 results: the 3 × 5 × 4 ≈ 31.5 million. Outages (some seen by one vantage point
 * only), noise, agents falling silent, monthly maintenance (two months announced late, 6.1.6),
 * a force majeure span and a delivery sample every ten minutes. Deterministic: the same every run.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** The year and zone the bench computes. */
export const YEAR = { name: "2026", timeZone: "Asia/Shanghai", month: "2026-11" } as const;

const SEGMENTS = [
  { name: "north", users: 400_000 },
  { name: "south", users: 300_000 },
  { name: "east", users: 200_000 },
  { name: "west", users: 100_000 },
] as const;
const KINDS = ["mx", "submission", "imap", "pop3", "webmail"] as const;
const VANTAGES = ["a", "b", "c"] as const;
const ALL_VANTAGES = 0b111;

/** The operator: one service per (kind, segment), named "mx.north". */
export function yearSetup(): EngineSetup {
  return {
    timeZone: YEAR.timeZone,
    totalUsers: 1_000_000,
    segments: SEGMENTS,
    vantagePoints: VANTAGES,
    services: SEGMENTS.flatMap((seg) =>
      KINDS.map((kind) => ({ name: `${kind}.${seg.name}`, intervalMs: MIN, segments: [seg.name] })),
    ),
    thresholds: { consecutiveFailures: 2, quorum: 2, staleAfterIntervals: 3 },
    lateNoticeCountsAs: "fault",
  };
}

/** The minute grid: from an hour before the year (the engine's lookback) to its end. */
interface Grid {
  readonly t0: number;
  readonly minutes: number;
}

/** Marks minutes [from, from + length) with `bits` (vantage points failing, or silent). */
function mark(mask: Uint8Array, from: number, length: number, bits: number): void {
  const end = Math.min(mask.length, Math.max(0, from + length));
  for (let i = Math.max(0, from); i < end; i++) mask[i]! |= bits;
}

/** Random outages of one service: every 40-240 days, 2-60 minutes, mostly seen by all vantage points. */
function randomOutages(mask: Uint8Array, rand: () => number): void {
  for (
    let at = Math.floor(rand() * 120 * 1440);
    at < mask.length;
    at += Math.floor((40 + rand() * 200) * 1440)
  ) {
    const p = rand();
    const bits = p < 0.8 ? ALL_VANTAGES : p < 0.9 ? 0b011 : 0b001;
    mark(mask, at, 2 + Math.floor(rand() ** 2 * 58), bits);
  }
}

/** Monthly two-hour windows per segment, with down time inside; March and September announced late. */
function maintenance(grid: Grid, failing: Map<string, Uint8Array>): MaintenanceWindow[] {
  const windows: MaintenanceWindow[] = [];
  for (let m = 1; m <= 12; m++) {
    const month = monthRange(`${YEAR.name}-${String(m).padStart(2, "0")}`, YEAR.timeZone);
    SEGMENTS.forEach((seg, s) => {
      const start = month.start + (3 + 7 * s) * DAY + 2 * HOUR;
      const notice = m % 6 === 3 ? 6 * HOUR : 72 * HOUR;
      windows.push({
        id: `w-${m}-${seg.name}`,
        start,
        end: start + 2 * HOUR,
        announcedAt: start - notice,
        segments: [seg.name],
      });
      for (const kind of KINDS.slice(0, 3)) {
        mark(failing.get(`${kind}.${seg.name}`)!, (start - grid.t0) / MIN + 10, 90, ALL_VANTAGES);
      }
    });
  }
  return windows;
}

/** A regional power cut in "east" on 15 July, marked as force majeure (1.5). */
function forceMajeure(grid: Grid, failing: Map<string, Uint8Array>): ForceMajeureMark[] {
  const start = Date.UTC(2026, 6, 15, 1);
  for (const kind of KINDS) mark(failing.get(`${kind}.east`)!, (start - grid.t0) / MIN, 180, ALL_VANTAGES);
  return [{ id: "fm-1", reason: "regional power cut", start, end: start + 3 * HOUR, segments: ["east"] }];
}

/** Agents falling silent: c for two hours every 30 days, a and b together for 30 minutes each quarter. */
function silences(grid: Grid): Uint8Array {
  const silent = new Uint8Array(grid.minutes);
  for (let at = 20_000; at < grid.minutes; at += 30 * 1440) mark(silent, at, 120, 0b100);
  for (let at = 50_000; at < grid.minutes; at += 91 * 1440) mark(silent, at, 30, 0b011);
  return silent;
}

/** One (service, vantage) series as typed columns; a vantage point's clock runs a few seconds off. */
function fillSeries(
  grid: Grid,
  service: string,
  v: number,
  failing: Uint8Array,
  silent: Uint8Array,
): ObservationSeries {
  const at = new Float64Array(grid.minutes);
  const ok = new Uint8Array(grid.minutes);
  const rand = lcg(service.length * 7919 + v * 104_729 + service.charCodeAt(0));
  const bit = 1 << v;
  let j = 0;
  for (let i = 0; i < grid.minutes; i++) {
    if (silent[i]! & bit) continue;
    at[j] = grid.t0 + i * MIN + v * 7_000;
    ok[j++] = failing[i]! & bit || rand() < 0.002 ? 0 : 1;
  }
  return { service, vantage: VANTAGES[v]!, at: at.subarray(0, j), ok: ok.subarray(0, j) };
}

/** A delivery sample each ten minutes per direction, a slow one now and then, a loss every 5 days. */
function delivery(range: Interval): { delays: DelaySample[]; lost: LostMessage[] } {
  const rand = lcg(4242);
  const delays: DelaySample[] = [];
  const lost: LostMessage[] = [];
  for (let t = range.start; t < range.end; t += 10 * MIN) {
    for (const direction of ["send", "receive"] as const) {
      const seconds = rand() < 0.01 ? 300 + rand() * 2700 : 3 + rand() * 20;
      delays.push({ direction, at: t, seconds: Math.round(seconds * 10) / 10, boundSeconds: 1 });
    }
    if ((t - range.start) % (5 * DAY) === 0) lost.push({ direction: "receive", sentAt: t });
  }
  return { delays, lost };
}

/** The synthetic year and how many results it holds. */
export interface SyntheticYear {
  readonly input: EngineInput;
  readonly range: Interval;
  readonly results: number;
  /** Bytes of the typed columns (the buffers, gaps included). */
  readonly bytes: number;
}

/** Builds the year (about 300 MB of typed arrays). */
export function syntheticYear(): SyntheticYear {
  const setup = yearSetup();
  const range = yearRange(YEAR.name, YEAR.timeZone);
  const grid: Grid = { t0: range.start - HOUR, minutes: (range.end - range.start + HOUR) / MIN };
  const failing = new Map(setup.services.map((s) => [s.name, new Uint8Array(grid.minutes)]));
  const rand = lcg(2026);
  for (const mask of failing.values()) randomOutages(mask, rand);
  const windows = maintenance(grid, failing);
  const marks = forceMajeure(grid, failing);
  const silent = silences(grid);
  const series = setup.services.flatMap((s) =>
    VANTAGES.map((_, v) => fillSeries(grid, s.name, v, failing.get(s.name)!, silent)),
  );
  const results = series.reduce((n, s) => n + s.at.length, 0);
  const bytes = series.reduce(
    (n, s) => n + (s.at as Float64Array).buffer.byteLength + (s.ok as Uint8Array).buffer.byteLength,
    0,
  );
  const input: EngineInput = {
    setup,
    now: range.end + DAY,
    series,
    maintenance: windows,
    forceMajeure: marks,
    ...delivery(range),
  };
  return { input, range, results, bytes };
}
