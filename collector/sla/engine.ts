import { daysOf, monthRange, type CalendarDay } from "./calendar.js";
import { delayStats, lossStats, type DelayStats, type Direction, type LossStats } from "./delivery.js";
import { hourCoverage, minutesText, sampledEvidence, weighEvidence } from "./evidence.js";
import { figure, type Figure } from "./figures.js";
import { clip, overlaps, subtract, totalLength, union, type Interval } from "./intervals.js";
import type { LateNoticeCountsAs } from "./maintenance.js";
import {
  forceMajeureReports,
  incidentReports,
  maintenanceReports,
  orphanReports,
  type ForceMajeureReport,
  type IncidentReport,
  type MaintenanceReport,
  type OrphanReport,
} from "./reports.js";
import { securityState, type SecurityState } from "./security.js";
import { buildTimeline, type EngineInput, type SegmentTimeline, type Timeline } from "./timeline.js";

/**
 * The monthly indicators of SPEC 7.1 from one classified timeline (DESIGN steps 5-9). Pure: the
 * clock is `input.now`, and a period still running is measured up to it and marked partial.
 */

const MINUTE = 60_000;

/** The period measured: `[start, effectiveEnd)`, where effectiveEnd = min(end, now). */
export interface PeriodInfo {
  readonly start: number;
  readonly end: number;
  readonly effectiveEnd: number;
  /** `now` falls before the period's end: every value is "so far". */
  readonly partial: boolean;
  readonly timeZone: string;
}

/** Every measured monthly indicator; `availabilityUserWeighted` is 7.1.4 weighted like 7.1.2. */
export interface MonthFigures {
  readonly faultMinutes: Figure;
  readonly maintenanceMinutes: Figure;
  readonly availability: Figure;
  readonly availabilityUserWeighted: Figure;
  readonly faultFreeRate: Figure;
  readonly sendDelayAverage: Figure;
  readonly sendDelayMaximum: Figure;
  readonly receiveDelayAverage: Figure;
  readonly receiveDelayMaximum: Figure;
  readonly lossRate: Figure;
  readonly smtpAuthRequired: Figure;
  readonly openRelayClosed: Figure;
}

/** One segment's minutes in the period (unweighted). */
export interface SegmentSummary {
  readonly segment: string;
  readonly users: number;
  readonly faultMinutes: number;
  readonly maintenanceMinutes: number;
  readonly forceMajeureMinutes: number;
  readonly unknownMinutes: number;
}

/** How much of the period the monitoring could see (6.1.2): unknown is neither fault nor fault-free. */
export interface Coverage {
  /** Share of the period in which no segment's state was unknown; `null` for an empty period. */
  readonly ratio: number | null;
  readonly unknownMinutes: number;
  readonly services: { service: string; ratio: number | null }[];
}

/** Everything computed for one period. */
export interface PeriodResult {
  readonly period: PeriodInfo;
  readonly figures: MonthFigures;
  readonly coverage: Coverage;
  readonly segments: SegmentSummary[];
  readonly incidents: IncidentReport[];
  /** Annotations no incident matches any more (a late result moved it): shown, never dropped. */
  readonly orphans: OrphanReport[];
  readonly maintenance: MaintenanceReport[];
  readonly forceMajeure: { readonly weightedMinutes: number; readonly marks: ForceMajeureReport[] };
  readonly delivery: Record<Direction, DelayStats & LossStats>;
  readonly security: { smtpAuthRequired: SecurityState; openRelayClosed: SecurityState };
  /** Operator-zone days of the period that a counted fault touches (7.1.5 detail). */
  readonly faultDays: string[];
  /** Days with time the monitoring did not see (fault days among them too): 7.1.5's unknown days. */
  readonly unknownDays: string[];
  /**
   * The system's own minutes, not weighted by users: fault (any segment in fault, 7.1.4's numerator),
   * maintenance that is not also fault (7.1.10's denominator), and time nobody saw.
   */
  readonly system: {
    readonly faultMinutes: number;
    readonly maintenanceMinutes: number;
    readonly unknownMinutes: number;
  };
  readonly lateNoticeCountsAs: LateNoticeCountsAs;
  readonly warnings: string[];
}

/** The period ended at "now" if still running. */
export function periodInfo(period: Interval, now: number, timeZone: string): PeriodInfo {
  const effectiveEnd = Math.max(period.start, Math.min(period.end, now));
  return { start: period.start, end: period.end, effectiveEnd, partial: now < period.end, timeZone };
}

/** Counted fault of the whole system: any segment in fault (7.1.4, 7.1.5). */
export function systemFault(segments: readonly SegmentTimeline[], range: Interval): Interval[] {
  return clip(union(...segments.map((s) => s.fault)), range);
}

/** Names of the days that a fault touches; both lists sorted, one sweep. */
export function touchedDays(days: readonly CalendarDay[], fault: readonly Interval[]): string[] {
  const out: string[] = [];
  let f = 0;
  for (const day of days) {
    while (f < fault.length && fault[f]!.end <= day.start) f++;
    if (f < fault.length && overlaps(fault[f]!, day)) out.push(day.date);
  }
  return out;
}

/** 7.1.3 weighted minutes and their bound: Σ segment maintenance minutes × users / totalUsers. */
function weightedMaintenance(t: Timeline, range: Interval, totalUsers: number) {
  let minutes = 0;
  let bound = 0;
  for (const s of t.segments) {
    const inRange = clip(s.maintenance, range);
    minutes += (totalLength(inRange) * s.users) / totalUsers / MINUTE;
    bound += (2 * inRange.length * s.resolutionMs * s.users) / totalUsers / MINUTE;
  }
  return { minutes, bound };
}

function timeFigures(t: Timeline, input: EngineInput, range: Interval, partial: boolean) {
  const periodMs = range.end - range.start;
  const incidents = incidentReports(t, range, input.now);
  const counted = incidents.filter((i) => i.faultMinutes > 0);
  const fault = counted.reduce((n, i) => n + i.weightedMinutes, 0);
  const faultBound = counted.reduce((n, i) => n + (2 * resolution(t, i.segment) * i.weight) / MINUTE, 0);
  const maint = weightedMaintenance(t, range, input.setup.totalUsers);
  const sysFault = systemFault(t.segments, range);
  const sysMaint = subtract(clip(union(...t.segments.map((s) => s.maintenance)), range), sysFault);
  const coarsest = Math.max(0, ...t.segments.map((s) => s.resolutionMs));
  const sysBoundMs = 2 * sysFault.length * coarsest;
  const running = periodMs - totalLength(sysMaint);
  const ratio = (ms: number, of: number) => (of > 0 ? ms / of : null);
  const opts = (errorBound: number | null) => ({ partial, errorBound });
  // What the monitoring did not see (DESIGN step 10): every unknown minute could have been fault.
  const sysUnknownMs = totalLength(
    subtract(clip(union(...t.segments.map((s) => s.unknown)), range), [...sysFault, ...sysMaint]),
  );
  const unknownWeighted = weightedUnknownMinutes(t, range, input.setup.totalUsers);
  // A period nobody watched has no value: 100 % availability of a month never monitored is a lie.
  const seen = periodMs > 0 && sysUnknownMs < periodMs;
  const minutes = (m: number) => (periodMs > 0 && seen ? m : null);
  const complementOf = (r: number | null) => (r === null || !seen ? null : 1 - r);
  const unseen = `${minutesText(sysUnknownMs / MINUTE)} of the period unknown`;
  /** 1 - fault / `of` (7.1.4, 7.1.10), passing only if it would with the unknown time as fault. */
  const share = (
    key: "availability" | "faultFreeRate",
    faultMs: number,
    boundMs: number,
    unknownMs: number,
    of: number,
    unseenText: string,
  ) =>
    weighEvidence(
      figure(key, complementOf(ratio(faultMs, of)), opts(ratio(boundMs, of))),
      1 - (faultMs + boundMs + unknownMs) / Math.max(1, of),
      `${unseenText}: as fault it would take ${key === "availability" ? "availability" : "the fault-free rate"} below the target`,
    );
  const unseenWeighted = `${minutesText(unknownWeighted)} user-weighted unknown`;
  const figures = {
    faultMinutes: weighEvidence(
      figure("faultMinutes", minutes(fault), opts(faultBound)),
      fault + faultBound + unknownWeighted,
      `${unseenWeighted} could hold fault beyond the target`,
    ),
    maintenanceMinutes: weighEvidence(
      figure("maintenanceMinutes", minutes(maint.minutes), opts(maint.bound)),
      maint.minutes + maint.bound + unknownWeighted,
      `${unseenWeighted} could hold maintenance beyond the target`,
    ),
    availability: share("availability", totalLength(sysFault), sysBoundMs, sysUnknownMs, periodMs, unseen),
    availabilityUserWeighted: share(
      "availability",
      fault * MINUTE,
      faultBound * MINUTE,
      unknownWeighted * MINUTE,
      periodMs,
      unseenWeighted,
    ),
    faultFreeRate: share("faultFreeRate", totalLength(sysFault), sysBoundMs, sysUnknownMs, running, unseen),
  };
  const sysUnknown = subtract(clip(union(...t.segments.map((s) => s.unknown)), range), sysFault);
  const system = {
    faultMinutes: totalLength(sysFault) / MINUTE,
    maintenanceMinutes: totalLength(sysMaint) / MINUTE,
    unknownMinutes: sysUnknownMs / MINUTE,
  };
  return { figures, incidents, sysFault, sysUnknown, system };
}

/** Σ segment unknown minutes × users / total users: the unseen time as 7.1.2 would weigh it. */
function weightedUnknownMinutes(t: Timeline, range: Interval, totalUsers: number): number {
  let m = 0;
  for (const s of t.segments) m += (totalLength(clip(s.unknown, range)) * s.users) / totalUsers / MINUTE;
  return m;
}

function resolution(t: Timeline, segment: string): number {
  return t.segments.find((s) => s.segment === segment)?.resolutionMs ?? 0;
}

function deliveryFigures(input: EngineInput, range: Interval, partial: boolean) {
  const stats = (d: Direction) => ({
    ...delayStats(d, input.delays ?? [], input.inFlight ?? [], range),
    ...lossStats(d, input.delays ?? [], input.lost ?? [], range),
  });
  const delivery = { send: stats("send"), receive: stats("receive") };
  const { send, receive } = delivery;
  const at = (errorBound: number | null) => ({ partial, errorBound });
  const probed = (d: Direction) =>
    hourCoverage(
      [
        ...(input.delays ?? []).filter((x) => x.direction === d).map((x) => x.at),
        ...(input.lost ?? []).filter((x) => x.direction === d).map((x) => x.sentAt),
        ...(input.inFlight ?? []).filter((x) => x.direction === d).map((x) => x.sentAt),
      ],
      range,
    );
  const cover = { send: probed("send"), receive: probed("receive") };
  const sampled = (f: Figure, d: Direction) => sampledEvidence(f, cover[d], range, `${d} probe`);
  const figures = {
    sendDelayAverage: sampled(figure("sendDelayAverage", send.average, at(send.averageBound)), "send"),
    sendDelayMaximum: sampled(figure("sendDelayMaximum", send.maximum, at(send.maximumBound)), "send"),
    receiveDelayAverage: sampled(
      figure("receiveDelayAverage", receive.average, at(receive.averageBound)),
      "receive",
    ),
    receiveDelayMaximum: sampled(
      figure("receiveDelayMaximum", receive.maximum, at(receive.maximumBound)),
      "receive",
    ),
    // 7.1.12 defines loss for mail received from a source server: the receive direction.
    lossRate: figure("lossRate", receive.rate, at(0)),
  };
  return { figures, delivery };
}

function coverageOf(t: Timeline, range: Interval): Coverage {
  const periodMs = range.end - range.start;
  const share = (unknown: Interval[]) =>
    periodMs > 0 ? 1 - totalLength(clip(unknown, range)) / periodMs : null;
  const unknown = union(...t.segments.map((s) => s.unknown));
  return {
    ratio: share(unknown),
    unknownMinutes: totalLength(clip(unknown, range)) / MINUTE,
    services: t.services.map((s) => ({ service: s.service, ratio: share(s.unknown) })),
  };
}

function segmentSummaries(t: Timeline, range: Interval): SegmentSummary[] {
  const minutes = (list: Interval[]) => totalLength(clip(list, range)) / MINUTE;
  return t.segments.map((s) => ({
    segment: s.segment,
    users: s.users,
    faultMinutes: minutes(s.fault),
    maintenanceMinutes: minutes(s.maintenance),
    forceMajeureMinutes: minutes(s.excused),
    unknownMinutes: minutes(s.unknown),
  }));
}

/** A 7.1.13 or 7.1.14 figure, UNPROVEN unless its checks ran in 99 % of the period's hours. */
function securityFigure(
  key: "smtpAuthRequired" | "openRelayClosed",
  value: boolean | null,
  input: EngineInput,
  range: Interval,
  info: PeriodInfo,
): Figure {
  const times = (input.security ?? []).filter((v) => v.check === key).map((v) => v.at);
  const what = key === "smtpAuthRequired" ? "submission check" : "relay check";
  return sampledEvidence(
    figure(key, value, { partial: info.partial }),
    hourCoverage(times, range),
    range,
    what,
  );
}

/**
 * Every measured monthly indicator for `period` (usually a calendar month; any span works).
 * Results should reach {@link lookbackMs} before the period so its first minutes are judged right.
 */
export function computePeriod(input: EngineInput, period: Interval): PeriodResult {
  const info = periodInfo(period, input.now, input.setup.timeZone);
  const range = { start: info.start, end: info.effectiveEnd };
  const t = buildTimeline(input, range);
  const time = timeFigures(t, input, range, info.partial);
  const delivery = deliveryFigures(input, range, info.partial);
  const security = {
    smtpAuthRequired: securityState("smtpAuthRequired", input.security ?? [], range),
    openRelayClosed: securityState("openRelayClosed", input.security ?? [], range),
  };
  const marks = forceMajeureReports(t, range, input.now);
  return {
    period: info,
    figures: {
      ...time.figures,
      ...delivery.figures,
      smtpAuthRequired: securityFigure(
        "smtpAuthRequired",
        security.smtpAuthRequired.value,
        input,
        range,
        info,
      ),
      openRelayClosed: securityFigure("openRelayClosed", security.openRelayClosed.value, input, range, info),
    },
    coverage: coverageOf(t, range),
    segments: segmentSummaries(t, range),
    incidents: time.incidents,
    orphans: orphanReports(t, range),
    maintenance: maintenanceReports(t, input.setup, range),
    forceMajeure: {
      weightedMinutes: time.incidents.reduce((n, i) => n + i.forceMajeureMinutes * i.weight, 0),
      marks,
    },
    delivery: delivery.delivery,
    security,
    faultDays: touchedDays(daysOf(range, input.setup.timeZone), time.sysFault),
    unknownDays: touchedDays(daysOf(range, input.setup.timeZone), time.sysUnknown),
    system: time.system,
    lateNoticeCountsAs: input.setup.lateNoticeCountsAs,
    warnings: t.warnings,
  };
}

/** {@link computePeriod} for the calendar month "YYYY-MM" in the operator's zone. */
export function computeMonth(input: EngineInput, month: string): PeriodResult {
  return computePeriod(input, monthRange(month, input.setup.timeZone));
}
