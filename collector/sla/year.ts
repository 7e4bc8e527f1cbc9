import { daysOf, yearRange, type CalendarDay } from "./calendar.js";
import { periodInfo, systemFault, touchedDays, type PeriodInfo } from "./engine.js";
import { weighEvidence } from "./evidence.js";
import { figure, type Figure } from "./figures.js";
import { clip, subtract, union } from "./intervals.js";
import { INDICATORS } from "../../contract/indicators.js";
import { buildTimeline, type EngineInput } from "./timeline.js";

/**
 * Fault-free days per year (7.1.5): calendar days in the operator's zone that no counted fault
 * touches. A year is long, so the figure is also a budget: the days a year may lose and still keep
 * 300 fault-free (65 in a common year, 66 in a leap year).
 */

/** 7.1.5 for one year, with the budget the NOC watches. */
export interface YearResult {
  readonly period: PeriodInfo;
  /**
   * Days of the year no fault has touched so far. Days still to come count as fault-free, so the
   * value only falls during the year and equals the 7.1.5 count once the year is over.
   */
  readonly faultFreeDays: Figure;
  readonly daysInYear: number;
  /** Days begun by `now` (all of them once the year is over). */
  readonly elapsedDays: number;
  /** Days a fault touched, "YYYY-MM-DD" in the operator's zone. */
  readonly faultDays: string[];
  /** daysInYear - 300: fault days the year may have. */
  readonly budget: number;
  /** budget - fault days; negative once 7.1.5 is failed. */
  readonly budgetRemaining: number;
  /** Days begun with no fault seen but some time unknown: each could have been a fault day. */
  readonly unknownDays: number;
  /** Days not begun yet. */
  readonly remainingDays: number;
  /** Whether the year can still keep 300 fault-free days (fault days so far within the budget). */
  readonly canStillHold: boolean;
  readonly warnings: string[];
}

/** 7.1.5 for the calendar year "YYYY"; the input's results should cover the year. */
export function computeYear(input: EngineInput, year: string): YearResult {
  const tz = input.setup.timeZone;
  const span = yearRange(year, tz);
  const info = periodInfo(span, input.now, tz);
  const range = { start: info.start, end: info.effectiveEnd };
  const t = buildTimeline(input, range);
  const days = daysOf(span, tz);
  const sysFault = systemFault(t.segments, range);
  const faultDays = touchedDays(days, sysFault);
  const unknown = subtract(clip(union(...t.segments.map((s) => s.unknown)), range), sysFault);
  return yearResult(info, days, faultDays, touchedDays(days, unknown), t.warnings);
}

/**
 * The year's 7.1.5 result from its fault days and the days with unknown time (either may hold days
 * of the other: a day with fault is a fault day). Shared by computeYear and the year composed from
 * cached months (collector/sla-source/compose-year.ts), so both judge the same way.
 */
export function yearResult(
  info: PeriodInfo,
  days: readonly CalendarDay[],
  faultDays: readonly string[],
  daysWithUnknown: readonly string[],
  warnings: readonly string[],
): YearResult {
  const faulted = new Set(faultDays);
  const unknownDays = new Set(daysWithUnknown.filter((d) => !faulted.has(d))).size;
  const budget = days.length - INDICATORS.faultFreeDays.target;
  const elapsed = days.filter((d) => d.start < info.effectiveEnd).length;
  const remaining = days.length - elapsed;
  const f = figure("faultFreeDays", days.length - faultDays.length, { partial: info.partial });
  // PASS only once the year can no longer fail: every unknown and every day to come as a fault day.
  const worst = days.length - faultDays.length - unknownDays - remaining;
  const why =
    `${faultDays.length} fault day(s) so far, ${unknownDays} day(s) unknown, ${remaining} to come: ` +
    (faultDays.length <= budget
      ? `the budget of ${budget} can still hold`
      : `the budget of ${budget} is spent`);
  return {
    period: info,
    faultFreeDays: weighEvidence(f, worst, why),
    daysInYear: days.length,
    elapsedDays: elapsed,
    faultDays: [...faultDays],
    budget,
    budgetRemaining: budget - faultDays.length,
    unknownDays,
    remainingDays: remaining,
    canStillHold: faultDays.length <= budget,
    warnings: [...warnings],
  };
}
