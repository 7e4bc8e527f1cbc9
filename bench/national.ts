import { monthRange, yearRange } from "../collector/sla/calendar.js";
import type { Interval } from "../collector/sla/intervals.js";
import type { MaintenanceWindow } from "../collector/sla/maintenance.js";
import type { EngineInput, EngineSetup } from "../collector/sla/timeline.js";
import type { ObservationSeries } from "../collector/sla/vantage-state.js";
import { lcg } from "./probe-rows.js";

/**
 * The national shape of issue 13, synthetic: 31 vantage points (one per province) checking 50
 * services (5 kinds in 10 regions, each region a segment) every minute, 1,550 series, ~67 M
 * results a month and ~815 M a year. Any (service, vantage point, minute) is a pure function of its
 * coordinates, so a slice of a few days, a month and the year hold the same results where they
 * overlap, and a series is made on its own (the year is never in memory at once). Faults: outages
 * of a service every 40-240 days (most seen everywhere, some by a third of the provinces, some by
 * one), a province's network failing for all its checks every ~25 days, monthly maintenance windows
 * per region with down time inside, an agent silent for two hours a month, 0.2 % failing noise.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const NATIONAL = { year: "2026", timeZone: "Asia/Shanghai", month: "2026-11" } as const;

const KINDS = ["mx", "submission", "imap", "pop3", "webmail"] as const;
export const REGIONS = Array.from({ length: 10 }, (_, i) => `r${String(i + 1).padStart(2, "0")}`);
export const PROVINCES = Array.from({ length: 31 }, (_, i) => `p${String(i + 1).padStart(2, "0")}`);
const ALL = 0x7fffffff; // one bit per province

/** The operator: 10 regions (segments), one service per (kind, region), named "mx.r01". */
export function nationalSetup(): EngineSetup {
  return {
    timeZone: NATIONAL.timeZone,
    totalUsers: 50_000_000,
    segments: REGIONS.map((name, i) => ({ name, users: 1_000_000 * (9 - (i % 5)) })),
    vantagePoints: PROVINCES,
    services: REGIONS.flatMap((region) =>
      KINDS.map((kind) => ({ name: `${kind}.${region}`, intervalMs: MIN, segments: [region] })),
    ),
    thresholds: { consecutiveFailures: 2, quorum: 2, staleAfterIntervals: 3 },
    lateNoticeCountsAs: "fault",
  };
}

/** 0..1 from (seed, minute): the noise of one series at one minute, whatever range is made. */
function noise(seed: number, i: number): number {
  let h = Math.imul(i ^ seed, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae3d);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

function mark(mask: Uint32Array, from: number, length: number, bits: number): void {
  const end = Math.min(mask.length, Math.max(0, from + length));
  for (let i = Math.max(0, from); i < end; i++) mask[i] = (mask[i]! | bits) >>> 0;
}

/** The year's fault plan: which provinces fail or are silent at each minute. */
export class NationalShape {
  readonly setup = nationalSetup();
  readonly year: Interval = yearRange(NATIONAL.year, NATIONAL.timeZone);
  /** The minute grid starts an hour before the year (the engine's lookback). */
  readonly t0 = this.year.start - HOUR;
  readonly minutes = (this.year.end - this.t0) / MIN;
  readonly maintenance: MaintenanceWindow[] = [];
  private readonly failing: Uint32Array[];
  private readonly local = new Uint32Array(this.minutes);
  private readonly silent = new Uint32Array(this.minutes);

  constructor() {
    const rand = lcg(13);
    this.failing = this.setup.services.map(() => new Uint32Array(this.minutes));
    for (const mask of this.failing) {
      for (
        let at = Math.floor(rand() * 120 * 1440);
        at < this.minutes;
        at += Math.floor((40 + rand() * 200) * 1440)
      ) {
        const p = rand();
        const bits =
          p < 0.8 ? ALL : p < 0.9 ? 0x155 << Math.floor(rand() * 20) : 1 << Math.floor(rand() * 31);
        mark(mask, at, 2 + Math.floor(rand() ** 2 * 58), bits & ALL);
      }
    }
    PROVINCES.forEach((_, v) => {
      for (
        let at = Math.floor(rand() * 25 * 1440);
        at < this.minutes;
        at += Math.floor((15 + rand() * 20) * 1440)
      )
        mark(this.local, at, 5 + Math.floor(rand() * 15), 1 << v);
      for (let at = 20_000 + v * 600; at < this.minutes; at += 30 * 1440) mark(this.silent, at, 120, 1 << v);
    });
    for (let m = 1; m <= 12; m++) {
      const month = monthRange(`${NATIONAL.year}-${String(m).padStart(2, "0")}`, NATIONAL.timeZone);
      REGIONS.forEach((region, r) => {
        const start = month.start + (2 + 2 * r) * DAY + 2 * HOUR;
        this.maintenance.push({
          id: `w-${m}-${region}`,
          start,
          end: start + 2 * HOUR,
          announcedAt: start - (m % 6 === 3 ? 6 * HOUR : 72 * HOUR),
          segments: [region],
        });
        for (const k of [0, 1, 2])
          mark(this.failing[r * KINDS.length + k]!, (start - this.t0) / MIN + 10, 90, ALL);
      });
    }
  }

  /** Results in the ledger's time order: series `s` (index into setup.services) from province `v` in `[from, to)`. */
  series(s: number, v: number, from: number, to: number): ObservationSeries {
    const i0 = Math.max(0, Math.ceil((from - this.t0 - v * 1000) / MIN));
    const i1 = Math.min(this.minutes, Math.ceil((to - this.t0 - v * 1000) / MIN));
    const n = Math.max(0, i1 - i0);
    const at = new Float64Array(n);
    const ok = new Uint8Array(n);
    const bit = 1 << v;
    const failing = this.failing[s]!;
    const seed = (s * 31 + v + 1) * 0x01000193;
    let j = 0;
    for (let i = i0; i < i1; i++) {
      if (this.silent[i]! & bit) continue;
      at[j] = this.t0 + i * MIN + v * 1000;
      ok[j++] = (failing[i]! | this.local[i]!) & bit || noise(seed, i) < 0.002 ? 0 : 1;
    }
    return {
      service: this.setup.services[s]!.name,
      vantage: PROVINCES[v]!,
      at: at.subarray(0, j),
      ok: ok.subarray(0, j),
    };
  }

  /** Every series in `[from, to)`, services by name then provinces (the stores' order). */
  allSeries(from: number, to: number): ObservationSeries[] {
    return this.setup.services.flatMap((_, s) => PROVINCES.map((_, v) => this.series(s, v, from, to)));
  }

  /** The engine's input around `series` at `now`. */
  input(series: readonly ObservationSeries[], now: number): EngineInput {
    return {
      setup: this.setup,
      now,
      series,
      maintenance: this.maintenance,
      forceMajeure: [],
      delays: [],
      lost: [],
    };
  }
}
