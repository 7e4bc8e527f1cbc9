import { daysOf, monthRange, yearRange } from "../sla/calendar.js";
import { periodInfo, type PeriodResult } from "../sla/engine.js";
import { yearResult, type YearResult } from "../sla/year.js";

/**
 * 7.1.5 for a year, put together from its months. The engine's `computeYear` classifies a whole
 * year of results at once; with agents pushing every minute the running month changes all the time,
 * and recomputing a year of one-minute results (about 31.5 million at scale) per push would make
 * every scrape slow. Calendar days never straddle calendar months in the operator's zone, and each
 * month's `faultDays` are the days its counted fault touches, so the year's fault days are the union
 * of its months' and the closed months stay cached. `test/collector/sla-year.test.ts` pins the
 * result to `computeYear` on the same ledger.
 */

/** The months "YYYY-MM" of `year` that have begun by `now`: the ones with anything to count. */
export function monthsBegun(year: string, timeZone: string, now: number): string[] {
  return Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, "0")}`).filter(
    (m) => monthRange(m, timeZone).start < now,
  );
}

/** The year's 7.1.5 result from the results of its months begun by `now` (see the module comment). */
export function composeYear(
  year: string,
  months: readonly PeriodResult[],
  timeZone: string,
  now: number,
): YearResult {
  const span = yearRange(year, timeZone);
  const info = periodInfo(span, now, timeZone);
  const days = daysOf(span, timeZone);
  const faultDays = [...new Set(months.flatMap((m) => m.faultDays))].sort();
  const unknownDays = months.flatMap((m) => m.unknownDays);
  return yearResult(info, days, faultDays, unknownDays, [...new Set(months.flatMap((m) => m.warnings))]);
}
