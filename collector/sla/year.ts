import { daysOf, yearRange } from "./calendar.js";
import { periodInfo, systemFault, touchedDays, type PeriodInfo } from "./engine.js";
import { figure, type Figure } from "./figures.js";
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
  const faultDays = touchedDays(days, systemFault(t.segments, range));
  const budget = days.length - INDICATORS.faultFreeDays.target;
  const elapsed = days.filter((d) => d.start < info.effectiveEnd).length;
  return {
    period: info,
    faultFreeDays: figure("faultFreeDays", days.length - faultDays.length, { partial: info.partial }),
    daysInYear: days.length,
    elapsedDays: elapsed,
    faultDays,
    budget,
    budgetRemaining: budget - faultDays.length,
    warnings: t.warnings,
  };
}
