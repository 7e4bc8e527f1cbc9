import { systemFault } from "./engine.js";
import { clip, totalLength, union, type Interval } from "./intervals.js";
import { incidentReports } from "./reports.js";
import type { Timeline } from "./timeline.js";

/**
 * How fast the 7.1.2 fault budget burns over fixed windows ending now, and where 7.1.4's
 * availability heads by the month's end, measured on the engine's own timeline. The collector
 * holds the whole ledger, so these figures never depend on how long Prometheus has been running:
 * a Prometheus started ten minutes ago averaging its own samples over "1h" saw only ten minutes,
 * and a three-minute outage looked like a 30 % hour (issue 10).
 *
 * Time the monitoring could not see (unknown) counts as no fault in both figures, and the window
 * is always the whole window: on thin data they can only come out too low, never too high, so an
 * alert on them always rests on fault that was seen. The window's coverage says how much was seen.
 */

const MINUTE = 60_000;

/** One window's burn of the 7.1.2 budget. */
export interface WindowBurn {
  readonly windowMs: number;
  /** User-weighted fault minutes in `[now - windowMs, now)`: force majeure out, overrides in. */
  readonly weightedMinutes: number;
  /**
   * `weightedMinutes / window minutes / allowedRatio`: 1 spends the budget exactly over the month
   * the ratio is taken of, 14.4 spends 2 % of it in an hour.
   */
  readonly rate: number;
  /** Share of the window in which no segment's state was unknown (0..1). */
  readonly coverage: number;
}

/** The window `[now - windowMs, now)`. */
export function windowEndingAt(now: number, windowMs: number): Interval {
  return { start: now - windowMs, end: now };
}

/** Share of `window` in which every segment's state was known. */
export function windowCoverage(t: Timeline, window: Interval): number {
  const length = window.end - window.start;
  if (length <= 0) return 0;
  const unknown = clip(union(...t.segments.map((s) => s.unknown)), window);
  return 1 - totalLength(unknown) / length;
}

/**
 * The burn of each window ending at `now`, from a timeline built over at least the longest window
 * (its unknown time is bounded by the range it was built for). Weighted minutes are summed over
 * incidents exactly as 7.1.2's month figure sums them, so a window and a month agree.
 */
export function windowBurns(
  t: Timeline,
  now: number,
  windowsMs: readonly number[],
  allowedRatio: number,
): WindowBurn[] {
  return windowsMs.map((windowMs) => {
    const window = windowEndingAt(now, windowMs);
    const weightedMinutes = incidentReports(t, window, now).reduce((n, i) => n + i.weightedMinutes, 0);
    const share = weightedMinutes / (windowMs / MINUTE);
    return {
      windowMs,
      weightedMinutes,
      rate: allowedRatio > 0 ? share / allowedRatio : 0,
      coverage: windowCoverage(t, window),
    };
  });
}

/** What the month-end projection of 7.1.4 starts from. */
export interface ProjectionInput {
  /** The month `[start, end)` and the clock inside it. */
  readonly month: Interval;
  readonly now: number;
  /** System fault time (any segment in fault) of the month so far, ms. */
  readonly faultSoFarMs: number;
  /** System fault time in `[now - paceWindowMs, now)`, ms: the pace the rest of the month is given. */
  readonly faultInPaceWindowMs: number;
  readonly paceWindowMs: number;
}

/**
 * 7.1.4 availability at the month's end if faults go on at the pace of the last window:
 * 1 - (fault so far + pace x time left) / month. `null` when the month has no length.
 */
export function projectedAvailability(p: ProjectionInput): number | null {
  const monthMs = p.month.end - p.month.start;
  if (monthMs <= 0 || p.paceWindowMs <= 0) return null;
  const left = Math.max(0, p.month.end - Math.max(p.now, p.month.start));
  const projected = p.faultSoFarMs + (p.faultInPaceWindowMs / p.paceWindowMs) * left;
  return Math.max(0, 1 - Math.min(projected, monthMs) / monthMs);
}

/** System fault time (the union over segments) inside `window`, ms. */
export function systemFaultMs(t: Timeline, window: Interval): number {
  return totalLength(systemFault(t.segments, window));
}
