import type { Figure } from "../sla/figures.js";
import type { LateNoticeCountsAs } from "../sla/maintenance.js";
import type { ReputationRow } from "../sla/reputation.js";
import type { JunkRow } from "./junk.js";
import type { OrphanReport } from "../sla/reports.js";

/**
 * The shape of the monthly compliance report (issue 6): a plain object, serialisable as it is (the
 * JSON format), that every other format renders. Every number a reader sees is here twice: the raw
 * value, for machines, and its display text from format.ts, which is all the renderers print.
 */

/**
 * How an indicator fared: the engine's PASS, FAIL or UNPROVEN (collector/sla/evidence.ts: no data,
 * or unknown time that could change the verdict), `not entered` for an entered clause with no value,
 * `reported` for indicators without a target (7.1.11, 7.1.12).
 */
export type Verdict = "pass" | "fail" | "unproven" | "not entered" | "reported";

/** One indicator of SPEC.md against its target: the engine's figure (collector/sla/figures.ts), shown. */
export interface IndicatorRow extends Omit<Figure, "key" | "verdict"> {
  /** Key in INDICATORS; `availabilityUserWeighted` for the weighted 7.1.4 shown beside the strict one. */
  readonly key: string;
  readonly source: "measured" | "entered";
  readonly verdict: Verdict;
  readonly show: {
    readonly target: string;
    /** Value with its unit ("99.931 %") or "not measurable" / "not entered". */
    readonly value: string;
    /** The value's number alone and its unit, as the CSV columns hold them. */
    readonly number: string;
    readonly unit: string;
    /** "± 2.00 min", or empty. */
    readonly bound: string;
  };
  /** The operator's note on an entered value, or how to read a measured one. */
  readonly note: string | null;
}

/** One incident behind 7.1.2, as it weighs in the month. */
export interface IncidentRow {
  readonly id: string;
  readonly segment: string;
  readonly start: number;
  readonly end: number | null;
  readonly faultMinutes: number;
  readonly forceMajeureMinutes: number;
  readonly affectedUsers: number;
  readonly overridden: boolean;
  readonly weight: number;
  readonly weightedMinutes: number;
  readonly forceMajeure: { id: string; reason: string }[];
  /** The services down in it: the vantage points that confirmed each and its first error. */
  readonly services: IncidentServiceRow[];
  /** The operator's cause, from its annotation (matched by time anchor), or null. */
  readonly cause: string | null;
  readonly show: {
    readonly start: string;
    readonly end: string;
    /** Start to end in one phrase, as the tables show it. */
    readonly span: string;
    readonly faultMinutes: string;
    readonly forceMajeureMinutes: string;
    readonly affectedUsers: string;
    readonly weight: string;
    readonly weightedMinutes: string;
  };
}

/** One declared window behind 7.1.3, with its 6.1.6 notice judged. */
export interface MaintenanceRow {
  readonly id: string;
  readonly start: number;
  readonly end: number;
  readonly cancelled: boolean;
  readonly noticeHours: number;
  readonly violation: "6.1.6" | null;
  readonly countedAs: LateNoticeCountsAs;
  readonly downWeightedMinutes: number;
  readonly show: {
    readonly start: string;
    readonly end: string;
    readonly span: string;
    readonly announced: string;
    readonly notice: string;
    readonly downWeightedMinutes: string;
  };
}

/** One service behind an incident: what broke, where it was seen from, when. */
export interface IncidentServiceRow {
  readonly service: string;
  readonly start: number;
  readonly end: number | null;
  readonly code: string | null;
  readonly stage: string | null;
  readonly vantagePoints: string[];
  readonly show: {
    readonly span: string;
    /** "imap: connect at connect, from vp-a, vp-b, vp-c, 2026-11-10 16:00-16:03". */
    readonly summary: string;
  };
}

/** A force majeure mark (1.5), shown apart with its reason. */
export interface ForceMajeureRow {
  readonly id: string;
  readonly reason: string;
  /** "span": declared as a time span; "incident": an incident's annotation, its whole span. */
  readonly kind: "span" | "incident";
  readonly incidentId: string | null;
  readonly start: number;
  readonly end: number | null;
  readonly segments: string[];
  /** The services whose fault it excuses; null: all. */
  readonly services: string[] | null;
  readonly weightedMinutes: number;
  readonly show: { readonly weightedMinutes: string; readonly span: string };
}

/** An annotation no incident matches any more (a late result moved or removed it): shown, not dropped. */
export interface OrphanRow extends OrphanReport {
  readonly show: { readonly span: string };
}

/** One direction of delivery (7.1.8 send, 7.1.9 receive, 7.1.12 loss). */
export interface DeliveryRow {
  readonly direction: "send" | "receive";
  readonly clause: string;
  readonly samples: number;
  readonly inFlight: number;
  readonly lost: number;
  readonly show: { readonly average: string; readonly maximum: string; readonly lossRate: string };
}

/** Delivered probe messages per delay bucket; bucket edges include the 7.1.8/7.1.9 targets. */
export interface DelayHistogram {
  readonly labels: string[];
  readonly send: number[];
  readonly receive: number[];
}

/** One day of the month, for the daily chart. */
export interface DayPoint {
  readonly date: string;
  readonly faultMinutes: number;
  readonly maintenanceMinutes: number;
}

/** One month of the 12-month trend. */
export interface TrendPoint {
  readonly month: string;
  readonly faultMinutes: number | null;
  readonly maintenanceMinutes: number | null;
  readonly availability: number | null;
  readonly faultFreeRate: number | null;
  readonly faultDays: number;
  /** Share of the month the monitoring could see: a month without results reads 100 % available. */
  readonly coverage: number | null;
  readonly partial: boolean;
  /** Every measured time figure of that month met its target. */
  readonly pass: boolean | null;
  /** FAIL if any time figure failed, UNPROVEN if any is unproven (a month never seen: no data), else PASS. */
  readonly verdict: "pass" | "fail" | "unproven";
  readonly show: {
    readonly faultMinutes: string;
    readonly maintenanceMinutes: string;
    readonly availability: string;
    readonly faultFreeRate: string;
    readonly coverage: string;
    /** Fault days, or "no data" for a month the monitoring never saw. */
    readonly faultDays: string;
  };
}

/** 7.1.5 for the report month's year: fault-free days and the fault-day budget. */
export interface YearSummary {
  readonly year: string;
  readonly faultFreeDays: number;
  readonly daysInYear: number;
  readonly elapsedDays: number;
  readonly faultDays: number;
  readonly budget: number;
  readonly budgetRemaining: number;
  readonly partial: boolean;
  /** Days begun with unknown time and no fault seen; days not begun; whether 7.1.5 can still hold. */
  readonly unknownDays: number;
  readonly remainingDays: number;
  readonly canStillHold: boolean;
  /** 7.1.5's verdict: PASS only once the year can no longer fail. */
  readonly verdict: Figure["verdict"];
  readonly evidence: string | null;
  readonly show: {
    readonly faultFreeDays: string;
    readonly target: string;
    readonly budget: string;
    /** "3 fault day(s) so far, 12 unknown, 40 to come: the year can still keep 300 fault-free days". */
    readonly projection: string;
  };
}

/** The whole report. */
export interface ReportModel {
  readonly schema: "mailsla.report/1";
  readonly month: string;
  readonly title: string;
  readonly operator: { readonly name: string; readonly timeZone: string; readonly totalUsers: number };
  readonly period: { readonly start: string; readonly end: string; readonly partial: boolean };
  readonly generatedAt: string;
  readonly summary: {
    pass: number;
    fail: number;
    unproven: number;
    notEntered: number;
    reported: number;
  };
  readonly indicators: IndicatorRow[];
  readonly incidents: IncidentRow[];
  readonly maintenance: MaintenanceRow[];
  readonly lateNoticeCountsAs: LateNoticeCountsAs;
  readonly forceMajeure: { readonly weightedMinutes: string; readonly marks: ForceMajeureRow[] };
  /** Annotations that no incident matches any more. */
  readonly orphans: OrphanRow[];
  readonly segments: {
    segment: string;
    users: string;
    faultMinutes: string;
    maintenanceMinutes: string;
    forceMajeureMinutes: string;
    unknownMinutes: string;
  }[];
  readonly coverage: {
    readonly ratio: number | null;
    readonly show: string;
    readonly unknownMinutes: string;
    readonly services: { service: string; show: string }[];
  };
  readonly delivery: DeliveryRow[];
  readonly histogram: DelayHistogram;
  /** The 7.1.13 and 7.1.14 states; `value` null when no check ran in or before the month. */
  readonly security: {
    check: string;
    clause: string;
    value: boolean | null;
    failingAtEnd: string[];
    failedDuring: string[];
  }[];
  /**
   * Sender reputation (issue 14): eight pass/fail rows from the marketing specification's clauses
   * (and SPEC 7.1.15), judged from the sender-hygiene checks (collector/sla/reputation.ts).
   */
  readonly reputation: ReputationRow[];
  /** Probe messages filed as spam per direction (7.1.11 false positives); empty without counts. */
  readonly junk: JunkRow[];
  readonly daily: DayPoint[];
  readonly trend: TrendPoint[];
  readonly year: YearSummary;
  readonly warnings: string[];
}
