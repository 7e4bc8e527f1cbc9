import type { PeriodResult } from "../sla/engine.js";
import type { DelaySample } from "../sla/delivery.js";
import { INDICATORS } from "../../contract/indicators.js";
import { dayOf, monthOf, yearOf } from "../sla/calendar.js";
import type { YearResult } from "../sla/year.js";
import {
  NO_VALUE,
  showCount,
  showHours,
  showMinutes,
  showRatio,
  showSeconds,
  showSpan,
  showTarget,
  showTime,
  showValue,
} from "./format.js";
import type {
  DayPoint,
  DelayHistogram,
  DeliveryRow,
  ForceMajeureRow,
  IncidentRow,
  MaintenanceRow,
  ReportModel,
  TrendPoint,
  YearSummary,
} from "./model-types.js";
import { causeOf, serviceRows } from "./incident-rows.js";

/**
 * The rows behind the figures (incidents, maintenance, force majeure, segments, delivery) and the
 * series of the charts (days, 12-month trend), taken from the engine's results and given their
 * display text, so managers see what made each number (DESIGN "Who uses it").
 */

/** Incidents of the month with durations, affected users and weights (7.1.2). */
export function incidentRows(month: PeriodResult): IncidentRow[] {
  const tz = month.period.timeZone;
  return month.incidents.map((i) => ({
    id: i.id,
    segment: i.segment,
    start: i.start,
    end: i.end,
    faultMinutes: i.faultMinutes,
    forceMajeureMinutes: i.forceMajeureMinutes,
    affectedUsers: i.affectedUsers,
    overridden: i.overridden,
    weight: i.weight,
    weightedMinutes: i.weightedMinutes,
    forceMajeure: i.forceMajeure,
    services: serviceRows(i, tz),
    cause: causeOf(i),
    show: {
      start: showTime(i.start, tz),
      end: i.end === null ? "ongoing" : showTime(i.end, tz),
      span: showSpan(i.start, i.end, tz),
      faultMinutes: showMinutes(i.faultMinutes),
      forceMajeureMinutes: showMinutes(i.forceMajeureMinutes),
      affectedUsers: showCount(i.affectedUsers),
      weight: showRatio(i.weight),
      weightedMinutes: showMinutes(i.weightedMinutes),
    },
  }));
}

/** Declared windows with their notice (6.1.6) and the down time they absorbed (7.1.3). */
export function maintenanceRows(month: PeriodResult): MaintenanceRow[] {
  const tz = month.period.timeZone;
  return month.maintenance.map((w) => ({
    id: w.id,
    start: w.start,
    end: w.effectiveEnd,
    cancelled: w.cancelled,
    noticeHours: w.noticeHours,
    violation: w.violation,
    countedAs: w.countedAs,
    downWeightedMinutes: w.downWeightedMinutes,
    show: {
      start: showTime(w.start, tz),
      end: showTime(w.effectiveEnd, tz),
      span: showSpan(w.start, w.effectiveEnd, tz),
      announced: showTime(w.announcedAt, tz),
      notice: showHours(w.noticeHours),
      downWeightedMinutes: showMinutes(w.downWeightedMinutes),
    },
  }));
}

/** Force majeure marks (1.5): shown apart, with their reasons, never dropped. */
export function forceMajeureRows(month: PeriodResult): ReportModel["forceMajeure"] {
  const tz = month.period.timeZone;
  const marks: ForceMajeureRow[] = month.forceMajeure.marks.map((m) => ({
    ...m,
    show: { weightedMinutes: showMinutes(m.weightedMinutes), span: showSpan(m.start, m.end, tz) },
  }));
  return { weightedMinutes: showMinutes(month.forceMajeure.weightedMinutes), marks };
}

/** Per-segment minutes (unweighted) and the monitoring coverage (6.1.2). */
export function segmentRows(month: PeriodResult): Pick<ReportModel, "segments" | "coverage"> {
  return {
    segments: month.segments.map((s) => ({
      segment: s.segment,
      users: showCount(s.users),
      faultMinutes: showMinutes(s.faultMinutes),
      maintenanceMinutes: showMinutes(s.maintenanceMinutes),
      forceMajeureMinutes: showMinutes(s.forceMajeureMinutes),
      unknownMinutes: showMinutes(s.unknownMinutes),
    })),
    coverage: {
      ratio: month.coverage.ratio,
      show: showRatio(month.coverage.ratio),
      unknownMinutes: showMinutes(month.coverage.unknownMinutes),
      services: month.coverage.services.map((s) => ({ service: s.service, show: showRatio(s.ratio) })),
    },
  };
}

/** Delivery delay and loss per direction. */
export function deliveryRows(month: PeriodResult): DeliveryRow[] {
  return (["send", "receive"] as const).map((direction) => {
    const d = month.delivery[direction];
    return {
      direction,
      clause:
        direction === "send" ? INDICATORS.sendDelayAverage.clause : INDICATORS.receiveDelayAverage.clause,
      samples: d.samples,
      inFlight: d.inFlight,
      lost: d.lost,
      show: { average: showSeconds(d.average), maximum: showSeconds(d.maximum), lossRate: showRatio(d.rate) },
    };
  });
}

/** Bucket edges in seconds: 1 and 5 min, the average target, 30 min, 1 h, the maximum target. */
function delayEdges(): number[] {
  const avg = INDICATORS.sendDelayAverage.target;
  const max = INDICATORS.sendDelayMaximum.target;
  return [...new Set([60, 300, avg, 1800, 3600, max])].sort((a, b) => a - b);
}

/** "5-10 min", "1-3 h": the unit of the upper edge, so labels stay short enough for a chart axis. */
function bucketLabel(lower: number, upper: number): string {
  const [size, unit] = upper <= 3600 ? [60, "min"] : [3600, "h"];
  return `${lower / size}-${upper / size} ${unit}`;
}

function edgeLabel(seconds: number): string {
  return seconds <= 3600 ? `${seconds / 60} min` : `${seconds / 3600} h`;
}

/** Delivered probe messages of the month per delay bucket, per direction (the distribution chart). */
export function delayHistogram(month: PeriodResult, delays: readonly DelaySample[]): DelayHistogram {
  const edges = delayEdges();
  const labels = [`< ${edgeLabel(edges[0]!)}`];
  for (let i = 1; i < edges.length; i++) labels.push(bucketLabel(edges[i - 1]!, edges[i]!));
  labels.push(`> ${edgeLabel(edges[edges.length - 1]!)}`);
  const counts = { send: labels.map(() => 0), receive: labels.map(() => 0) };
  const { start, effectiveEnd } = month.period;
  for (const s of delays) {
    if (s.at < start || s.at >= effectiveEnd) continue;
    const bucket = edges.findIndex((e) => s.seconds < e);
    counts[s.direction][bucket === -1 ? edges.length : bucket]!++;
  }
  return { labels, ...counts };
}

/** Weighted fault and maintenance minutes per day (each day computed by the engine as a period). */
export function dayPoints(days: readonly PeriodResult[]): DayPoint[] {
  return days.map((d) => ({
    date: dayOf(d.period.start, d.period.timeZone),
    faultMinutes: Number(d.figures.faultMinutes.value ?? 0),
    maintenanceMinutes: Number(d.figures.maintenanceMinutes.value ?? 0),
  }));
}

const num = (v: number | boolean | null) => (typeof v === "number" ? v : null);

/** The time figures of each month of the trend (7.1.2, 7.1.3, 7.1.4, 7.1.10). */
export function trendPoints(months: readonly PeriodResult[]): TrendPoint[] {
  return months.map((m) => {
    const f = m.figures;
    const verdicts = [f.faultMinutes, f.maintenanceMinutes, f.availability, f.faultFreeRate].map(
      (x) => x.verdict,
    );
    const judged = verdicts.map((v) => (v === "pass" ? true : v === "fail" ? false : null));
    const show = (v: number | null, unit: string) => (v === null ? NO_VALUE.measured : showValue(v, unit));
    const seen = m.coverage.ratio !== null && m.coverage.ratio > 0;
    return {
      month: monthOf(m.period.start, m.period.timeZone),
      faultMinutes: num(f.faultMinutes.value),
      maintenanceMinutes: num(f.maintenanceMinutes.value),
      availability: num(f.availability.value),
      faultFreeRate: num(f.faultFreeRate.value),
      faultDays: m.faultDays.length,
      coverage: m.coverage.ratio,
      partial: m.period.partial,
      pass: judged.includes(false) ? false : judged.includes(null) ? null : true,
      verdict: verdicts.includes("fail") ? "fail" : verdicts.includes("unproven") ? "unproven" : "pass",
      show: {
        faultMinutes: show(num(f.faultMinutes.value), "minutes"),
        maintenanceMinutes: show(num(f.maintenanceMinutes.value), "minutes"),
        availability: show(num(f.availability.value), "ratio"),
        faultFreeRate: show(num(f.faultFreeRate.value), "ratio"),
        coverage: showRatio(m.coverage.ratio),
        faultDays: seen ? String(m.faultDays.length) : NO_VALUE.measured,
      },
    };
  });
}

/** 7.1.5 for the year, with the budget of fault days left. */
export function yearSummary(year: YearResult): YearSummary {
  const f = year.faultFreeDays;
  return {
    year: yearOf(year.period.start, year.period.timeZone),
    faultFreeDays: Number(f.value),
    daysInYear: year.daysInYear,
    elapsedDays: year.elapsedDays,
    faultDays: year.faultDays.length,
    budget: year.budget,
    budgetRemaining: year.budgetRemaining,
    partial: year.period.partial,
    unknownDays: year.unknownDays,
    remainingDays: year.remainingDays,
    canStillHold: year.canStillHold,
    verdict: f.verdict,
    evidence: f.evidence,
    show: {
      faultFreeDays: showValue(Number(f.value), f.unit),
      target: showTarget(f.comparison, f.target, f.unit),
      budget: `${year.faultDays.length} of ${year.budget} fault days used, ${year.budgetRemaining} left`,
      projection:
        `${year.faultDays.length} fault day(s) so far, ${year.unknownDays} unknown, ${year.remainingDays} to come: ` +
        (year.canStillHold ? "the year can still keep 300 fault-free days" : "the year has failed 7.1.5"),
    },
  };
}
