import { z } from "zod";
import type { Interval } from "./intervals.js";

/**
 * Step 2 of DESIGN "From probe results to the indicators", per (service, vantage point): when was
 * this vantage point failing the service, and when did it have a fresh result at all. One linear
 * pass over time-ordered results; a year of one-minute results yields a few intervals, never one
 * object per minute.
 */

/** One check result as the engine needs it: the collector maps stored probe results to this. */
export const Observation = z.strictObject({
  service: z.string().min(1),
  vantage: z.string().min(1),
  /** When the check started, Unix ms. */
  at: z.number().int(),
  ok: z.boolean(),
  /** False for a result that is neither pass nor fault (contract/errors.ts UNCOUNTED_CODES). */
  counted: z.boolean().optional(),
});
export type Observation = z.infer<typeof Observation>;

/**
 * The results of one (service, vantage point), column-wise and sorted by time: what a store reads
 * with one ordered query, and compact enough for a year of one-minute results.
 */
export interface ObservationSeries {
  readonly service: string;
  readonly vantage: string;
  readonly at: ArrayLike<number>;
  /**
   * Parallel to `at`: truthy when the check passed, {@link NOT_COUNTED} for a result that says
   * nothing about the service (the server refused the probe by its own rate policy).
   */
  readonly ok: ArrayLike<boolean | number>;
  /**
   * Parallel to `at`, present for a compacted ledger (collector/store/compaction.ts): the time of the
   * last result a row stands for. A row with `last[i] > at[i]` stands for a run of results with the
   * same outcome from `at[i]` to `last[i]`, none more than the stale time after the one before.
   */
  readonly last?: ArrayLike<number>;
}

/**
 * The `ok` value (and ledger column value) of a result that is neither pass nor fault: the engine
 * skips it as if it had not come, so the time it would have covered stays unknown, never fault.
 */
export const NOT_COUNTED = 2;

/** The thresholds that turn results into states (config `thresholds`, with the service's interval). */
export interface VantageRules {
  /** A run of at least this many failures makes the vantage point failing (gatus' FailureThreshold). */
  readonly consecutiveFailures: number;
  /** A result is fresh for this long: staleAfterIntervals x the service's check interval. */
  readonly staleMs: number;
  /** The clock, passed in: nothing is known at or after it. */
  readonly now: number;
}

/** What one vantage point knew about one service. Both lists are in normal form. */
export interface VantageState {
  /** From the first failure of a qualifying run until the next success, or until results go stale or now. */
  readonly failing: Interval[];
  /** Covered by a fresh result: each result covers `[at, at + staleMs)`. Always contains `failing`. */
  readonly fresh: Interval[];
}

/** Groups loose results into sorted series, for callers that hold objects rather than columns. */
export function groupObservations(observations: Iterable<Observation>): ObservationSeries[] {
  const groups = new Map<string, { service: string; vantage: string; rows: Observation[] }>();
  for (const o of observations) {
    const key = JSON.stringify([o.service, o.vantage]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { service: o.service, vantage: o.vantage, rows: [] }));
    g.rows.push(o);
  }
  return [...groups.values()].map(({ service, vantage, rows }) => {
    rows.sort((a, b) => a.at - b.at);
    const ok = rows.map((r) => (r.counted === false ? NOT_COUNTED : r.ok));
    return { service, vantage, at: rows.map((r) => r.at), ok };
  });
}

/**
 * Failing and fresh intervals of one series; results marked {@link NOT_COUNTED} are skipped. A gap longer than `staleMs` between two results
 * breaks a run: the vantage point stops failing when its last result goes stale, and after the gap
 * a new run must reach `consecutiveFailures` again. Results at or after `now` are ignored.
 */
export function vantageState(series: ObservationSeries, rules: VantageRules): VantageState {
  const { consecutiveFailures, staleMs, now } = rules;
  const failing: Interval[] = [];
  const fresh: Interval[] = [];
  let runStart = 0;
  let runLength = 0;
  let freshStart = 0;
  let freshEnd = -Infinity;
  const closeRun = (end: number) => {
    if (runLength >= consecutiveFailures && end > runStart) failing.push({ start: runStart, end });
    runLength = 0;
  };
  for (let i = 0; i < series.at.length; i++) {
    const t = series.at[i]!;
    if (t >= now) break;
    if (series.ok[i] === NOT_COUNTED) continue;
    if (t < freshEnd - staleMs) {
      throw new RangeError(
        `results of ${series.service}/${series.vantage} are not sorted by time at index ${i}`,
      );
    }
    if (t > freshEnd) {
      closeRun(freshEnd);
      if (freshEnd > freshStart) fresh.push({ start: freshStart, end: freshEnd });
      freshStart = t;
    }
    // A compacted row stands for results up to `last` (collector/store/compaction.ts), none more than
    // staleMs apart: of those before now, the last is within staleMs of now, so now - 1 stands for it.
    freshEnd = Math.min(series.last?.[i] ?? t, now - 1) + staleMs;
    if (series.ok[i]) closeRun(t);
    else if (runLength++ === 0) runStart = t;
  }
  const end = Math.min(freshEnd, now);
  closeRun(end);
  if (end > freshStart) fresh.push({ start: freshStart, end });
  return { failing, fresh };
}
