import { monthOf } from "../sla/calendar.js";
import type { DelaySample } from "../sla/delivery.js";
import type { PeriodResult } from "../sla/engine.js";
import { reputationRows, type ReputationInput } from "../sla/reputation.js";
import { junkRows, junkSummary, type JunkCounts } from "./junk.js";
import type { YearResult } from "../sla/year.js";
import {
  dayPoints,
  delayHistogram,
  deliveryRows,
  forceMajeureRows,
  incidentRows,
  maintenanceRows,
  segmentRows,
  trendPoints,
  yearSummary,
} from "./detail-rows.js";
import { showMonth, showTime } from "./format.js";
import { orphanRows } from "./incident-rows.js";
import { indicatorRows, summarize } from "./indicator-rows.js";
import { resolveManual, type ManualIndicators } from "./manual.js";
import type { ReportModel } from "./model-types.js";

export type * from "./model-types.js";

/**
 * The monthly compliance report as data (issue 6): everything a manager needs to answer a
 * regulator for one month, built from the engine's results only, so the report can never disagree
 * with the dashboards, alerts or API that read the same engine.
 */

/** The operator the report is about (from the configuration's `operator`). */
export interface ReportOperator {
  readonly name: string;
  readonly timeZone: string;
  readonly totalUsers: number;
}

/** What the report is built from; `gatherReport` computes all of it from one engine input. */
export interface ReportInput {
  /** The month, as computed by `computeMonth`. */
  readonly month: PeriodResult;
  /** The month's calendar year, as computed by `computeYear` (7.1.5). */
  readonly year: YearResult;
  /** The 12 months ending with the report month, oldest first (the trend). */
  readonly trend: readonly PeriodResult[];
  /** Each calendar day of the month as its own period (the daily chart). */
  readonly days: readonly PeriodResult[];
  /** Delivered delay samples (at least those of the month): the delay distribution chart. */
  readonly delays: readonly DelaySample[];
  /** Values the operator entered for the month (7.1.1, 7.1.6, 7.1.7.2, 7.1.11, 7.1.15, 7.2.x). */
  readonly manual: ManualIndicators;
  /** The month's sender-hygiene results; absent: the reputation rows read "not checked". */
  readonly reputation?: ReputationInput;
  /** The month's arrived probe messages, inbox or Junk: the 7.1.11 false positives. */
  readonly junk?: JunkCounts;
  readonly operator: ReportOperator;
  /** When the report is made (the injected clock), shown on it. */
  readonly generatedAt: number;
}

/** Builds the report model; pure. */
export function buildReport(input: ReportInput): ReportModel {
  const { month, operator } = input;
  const tz = operator.timeZone;
  const name = monthOf(month.period.start, tz);
  const manual = resolveManual(input.manual);
  const warnings = [...month.warnings, ...manual.warnings];
  if (input.manual.month !== name) warnings.push(`entered values are for ${input.manual.month}, not ${name}`);
  const junk = junkRows(input.junk);
  const reputation = reputationRows(
    input.reputation ?? { services: [], results: [] },
    { start: month.period.start, end: month.period.effectiveEnd },
    (t) => showTime(t, tz),
  );
  // beside entered clauses, what the probes measured: the spam ratio (7.1.11) gets how much
  // legitimate mail (the probes) was filed as spam, 7.1.15 the sending-limit check's verdict
  const limits = reputation.find((r) => r.key === "sendingLimits");
  const beside: Record<string, string | null> = {
    spamRatio: junkSummary(junk),
    sendingLimits:
      limits && limits.services.length > 0
        ? `measured beside it (sender reputation): ${limits.verdict.toUpperCase()}, ${limits.evidence}`
        : null,
  };
  const indicators = indicatorRows(month, input.year, manual.values).map((r) => {
    const measured = beside[r.key];
    return measured ? { ...r, note: r.note ? `${r.note} · ${measured}` : measured } : r;
  });
  return {
    schema: "mailsla.report/1",
    month: name,
    title: `${operator.name}: e-mail service compliance report, ${showMonth(name)}`,
    operator: { name: operator.name, timeZone: tz, totalUsers: operator.totalUsers },
    period: {
      start: showTime(month.period.start, tz),
      end: showTime(month.period.effectiveEnd, tz),
      partial: month.period.partial,
    },
    generatedAt: showTime(input.generatedAt, tz),
    summary: summarize(indicators),
    indicators,
    incidents: incidentRows(month),
    maintenance: maintenanceRows(month),
    lateNoticeCountsAs: month.lateNoticeCountsAs,
    forceMajeure: forceMajeureRows(month),
    orphans: orphanRows(month.orphans, tz),
    ...segmentRows(month),
    delivery: deliveryRows(month),
    histogram: delayHistogram(month, input.delays),
    security: (["smtpAuthRequired", "openRelayClosed"] as const).map((check) => ({
      check,
      clause: month.figures[check].clause,
      ...month.security[check],
    })),
    junk,
    reputation,
    daily: dayPoints(input.days),
    trend: trendPoints(input.trend),
    year: yearSummary(input.year),
    warnings,
  };
}
