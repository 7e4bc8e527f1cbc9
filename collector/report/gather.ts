import { DateTime } from "luxon";
import { daysOf, monthRange, yearOf } from "../sla/calendar.js";
import { computeMonth, computePeriod } from "../sla/engine.js";
import type { ReputationInput } from "../sla/reputation.js";
import type { JunkCounts } from "./junk.js";
import type { EngineInput } from "../sla/timeline.js";
import { computeYear } from "../sla/year.js";
import type { ManualIndicators } from "./manual.js";
import type { ReportInput, ReportOperator } from "./model.js";

/**
 * Runs the engine for everything one monthly report shows: the month, its year (7.1.5), the 12
 * months of the trend and each day of the month. All of it from one engine input, so the daily
 * chart adds up to the month and the trend's last month is the month itself.
 */

/** What a report needs besides the computation: the data source hands these over per month. */
export interface MonthSource {
  /** Results reaching back at least 11 months and a lookback before the month (for the trend). */
  readonly input: EngineInput;
  readonly manual: ManualIndicators;
  /** The operator's name; its zone and users are the engine setup's. */
  readonly operator: Pick<ReportOperator, "name">;
  /** The month's sender-hygiene results (reputation-source.ts); none: every row "not checked". */
  readonly reputation?: ReputationInput;
  /** The month's arrived probe messages, inbox or Junk (junk.ts); none: no false-positive rows. */
  readonly junk?: JunkCounts;
}

/** The 12 months "YYYY-MM" ending with `month`, oldest first. */
export function trendMonths(month: string, count = 12): string[] {
  const last = DateTime.fromFormat(month, "yyyy-MM", { zone: "UTC" });
  if (!last.isValid) throw new RangeError(`expected a month like "2026-11", got "${month}"`);
  return Array.from({ length: count }, (_, i) => last.minus({ months: count - 1 - i }).toFormat("yyyy-MM"));
}

/** Computes every engine result the report of `month` shows. */
export function gatherReport(source: MonthSource, month: string, generatedAt: number): ReportInput {
  const { input } = source;
  const tz = input.setup.timeZone;
  const range = monthRange(month, tz);
  return {
    month: computeMonth(input, month),
    year: computeYear(input, yearOf(range.start, tz)),
    trend: trendMonths(month).map((m) => computeMonth(input, m)),
    days: daysOf(range, tz).map((d) => computePeriod(input, d)),
    delays: input.delays ?? [],
    manual: source.manual,
    ...(source.reputation ? { reputation: source.reputation } : {}),
    ...(source.junk ? { junk: source.junk } : {}),
    operator: { name: source.operator.name, timeZone: tz, totalUsers: input.setup.totalUsers },
    generatedAt,
  };
}
