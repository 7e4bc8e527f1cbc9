import type { PeriodInfo } from "../sla/engine.js";
import type { Figure } from "../sla/figures.js";
import { describeIndicator, INDICATORS, RULES } from "../../contract/indicators.js";
import { one, type Sample, type SlaGaugeDef } from "./gauge-def.js";
import type { SlaSnapshot } from "./live-state.js";

/**
 * Budgets and the calendar around them: how much of 7.1.2's 400 minutes, 7.1.3's 500 minutes and
 * 7.1.5's 65 fault days is gone, and where in the month and year we are. Alerts on budgets read
 * `mailsla_sla_budget_used_ratio` so their expressions say "more than 80 % used" in one comparison.
 */

const MINUTE_BUDGETS = ["faultMinutes", "maintenanceMinutes"] as const;

function minuteFigure(s: SlaSnapshot, key: (typeof MINUTE_BUDGETS)[number]): Figure {
  return s.month.figures[key];
}

function usedSamples(s: SlaSnapshot): Sample[] {
  const minutes = MINUTE_BUDGETS.flatMap((key) => {
    const f = minuteFigure(s, key);
    const used = typeof f.value === "number" && f.target ? f.value / f.target : null;
    return one({ indicator: key, clause: f.clause }, used);
  });
  const y = s.year;
  const days = one(
    { indicator: "faultFreeDays", clause: y.faultFreeDays.clause },
    y.budget > 0 ? y.faultDays.length / y.budget : null,
  );
  return [...minutes, ...days];
}

function periodSamples(s: SlaSnapshot, value: (p: PeriodInfo) => number): Sample[] {
  return [
    { labels: { period: "month" }, value: value(s.month.period) },
    { labels: { period: "year" }, value: value(s.year.period) },
  ];
}

const elapsedRatio = (p: PeriodInfo) =>
  p.end > p.start ? (p.effectiveEnd - p.start) / (p.end - p.start) : 0;

/** Budgets, the period calendar, and the month's counts that are not 7.1 figures. */
export const BUDGET_GAUGES: readonly SlaGaugeDef[] = [
  {
    name: "mailsla_sla_budget_remaining_seconds",
    help: `User-weighted minutes (in seconds) still allowed this month; negative once failed: ${describeIndicator("faultMinutes")}; ${describeIndicator("maintenanceMinutes")}`,
    labelNames: ["indicator", "clause"],
    samples: (s) =>
      MINUTE_BUDGETS.flatMap((key) => {
        const f = minuteFigure(s, key);
        const left = typeof f.value === "number" && f.target !== null ? (f.target - f.value) * 60 : null;
        return one({ indicator: key, clause: f.clause }, left);
      }),
  },
  {
    name: "mailsla_sla_budget_remaining_day_number",
    help: `Fault days this year may still have and keep 7.1.5; negative once failed: ${describeIndicator("faultFreeDays")}`,
    labelNames: ["indicator", "clause"],
    samples: (s) => [
      {
        labels: { indicator: "faultFreeDays", clause: INDICATORS.faultFreeDays.clause },
        value: s.year.budgetRemaining,
      },
    ],
  },
  {
    name: "mailsla_sla_budget_day_number",
    help: `Fault days a year may have and keep 7.1.5 (days in the year - ${INDICATORS.faultFreeDays.target}): ${describeIndicator("faultFreeDays")}`,
    labelNames: ["indicator", "clause"],
    samples: (s) => [
      {
        labels: { indicator: "faultFreeDays", clause: INDICATORS.faultFreeDays.clause },
        value: s.year.budget,
      },
    ],
  },
  {
    name: "mailsla_sla_budget_used_ratio",
    help: `Share of the period's budget used so far (1 = used up): month fault minutes (7.1.2, ${INDICATORS.faultMinutes.target} min), month maintenance minutes (7.1.3, ${INDICATORS.maintenanceMinutes.target} min), year fault days (7.1.5)`,
    labelNames: ["indicator", "clause"],
    samples: usedSamples,
  },
  {
    name: "mailsla_sla_fault_day_number",
    help: `Calendar days of this year (operator's zone) that a counted fault touched: ${describeIndicator("faultFreeDays")}`,
    labelNames: ["clause"],
    samples: (s) => [{ labels: { clause: INDICATORS.faultFreeDays.clause }, value: s.year.faultDays.length }],
  },
  {
    name: "mailsla_sla_system_fault_seconds",
    help: `Time this month in which any segment was in fault (the union, unweighted): the numerator of ${describeIndicator("availability")}`,
    labelNames: ["clause"],
    samples: (s) => {
      const a = s.month.figures.availability.value;
      const p = s.month.period;
      const fault = typeof a === "number" ? ((1 - a) * (p.effectiveEnd - p.start)) / 1000 : null;
      return one({ clause: INDICATORS.availability.clause }, fault === null ? null : Math.max(0, fault));
    },
  },
  {
    name: "mailsla_sla_period_start_timestamp_seconds",
    help: "Start of the current calendar month or year in the operator's zone, Unix seconds",
    labelNames: ["period"],
    samples: (s) => periodSamples(s, (p) => p.start / 1000),
  },
  {
    name: "mailsla_sla_period_end_timestamp_seconds",
    help: "End (exclusive) of the current calendar month or year in the operator's zone, Unix seconds",
    labelNames: ["period"],
    samples: (s) => periodSamples(s, (p) => p.end / 1000),
  },
  {
    name: "mailsla_sla_period_elapsed_ratio",
    help: "Share of the current calendar month or year that has passed",
    labelNames: ["period"],
    samples: (s) => periodSamples(s, elapsedRatio),
  },
  {
    name: "mailsla_sla_coverage_ratio",
    help: "Share of this month in which the quorum of vantage points could see every segment (6.1.2); unknown time is neither fault nor fault-free",
    labelNames: [],
    samples: (s) => one({}, s.month.coverage.ratio),
  },
  {
    name: "mailsla_sla_service_coverage_ratio",
    help: "Share of this month in which the quorum of vantage points had fresh results for the service (6.1.2)",
    labelNames: ["service"],
    samples: (s) => s.month.coverage.services.flatMap((c) => one({ service: c.service }, c.ratio)),
  },
  {
    name: "mailsla_sla_notice_violations",
    help: `Maintenance windows touching this month that were announced too late: SPEC ${RULES.maintenanceNotice.clause} ${RULES.maintenanceNotice.title} (>= ${RULES.maintenanceNotice.target} hours)`,
    labelNames: ["clause"],
    samples: (s) => [
      {
        labels: { clause: RULES.maintenanceNotice.clause },
        value: s.month.maintenance.filter((m) => m.violation).length,
      },
    ],
  },
  {
    name: "mailsla_sla_incidents",
    help: `Incidents (maximal faults of one segment) touching this month, force majeure included: the rows behind ${describeIndicator("faultMinutes")}`,
    labelNames: ["segment"],
    samples: (s) =>
      countBySegment(
        s.month.segments.map((g) => g.segment),
        s.month.incidents.map((i) => i.segment),
      ),
  },
  {
    name: "mailsla_sla_force_majeure_weighted_seconds",
    help: "User-weighted fault time this month excused as force majeure (SPEC 1.5): shown separately, not counted in 7.1.2",
    labelNames: ["clause"],
    samples: (s) => [{ labels: { clause: "1.5" }, value: s.month.forceMajeure.weightedMinutes * 60 }],
  },
];

/** One sample per known segment (0 included), counting the occurrences in `items`. */
export function countBySegment(segments: readonly string[], items: readonly string[]): Sample[] {
  return segments.map((segment) => ({
    labels: { segment },
    value: items.filter((i) => i === segment).length,
  }));
}
