import { countsForAvailability } from "../../config/hygiene.js";
import type { Config } from "../../config/schema.js";
import { resolveAnnotations, type IncidentAnnotation } from "./anchors.js";
import { causeIndex, type FailureCause } from "./causes.js";
import type { DelaySample, InFlightMessage, LostMessage } from "./delivery.js";
import { excusedTime, resolveMarks, type ForceMajeureMark, type ResolvedMarks } from "./force-majeure.js";
import { incidentServices, type VantageFailing } from "./incident-services.js";
import { annotated, incidentsOf, type Incident, type IncidentOverride } from "./incidents.js";
import { subtract, union, type Interval } from "./intervals.js";
import {
  judgeWindows,
  maintenanceCover,
  type JudgedWindow,
  type LateNoticeCountsAs,
  type MaintenanceWindow,
} from "./maintenance.js";
import { segmentDownTime, servesSegment } from "./segment-faults.js";
import type { SecurityVerdict } from "./security.js";
import { serviceState, type ServiceState } from "./service-state.js";
import { vantageState, type ObservationSeries, type VantageState } from "./vantage-state.js";

/**
 * Steps 1-4 of DESIGN "From probe results to the indicators" wired together: results to vantage
 * states, to service states, to segment fault and maintenance, to incidents and force majeure. The
 * outcome is a set of interval lists that every period computation only clips and measures.
 */

/** One service as the engine sees it. */
export interface ServiceSetup {
  readonly name: string;
  readonly intervalMs: number;
  /** Segments it serves; all when absent. */
  readonly segments?: readonly string[];
  /** Vantage points that probe it; all when absent. */
  readonly vantagePoints?: readonly string[];
}

/** The static part of the engine's input: what the configuration says. */
export interface EngineSetup {
  /** The operator's IANA zone: calendar days, months and years (7.1.5). */
  readonly timeZone: string;
  readonly totalUsers: number;
  readonly segments: readonly { readonly name: string; readonly users: number }[];
  readonly vantagePoints: readonly string[];
  readonly services: readonly ServiceSetup[];
  /** Services whose results are reputation, never fault time (sender hygiene): ignored without a warning. */
  readonly reputationServices?: readonly string[];
  readonly thresholds: {
    readonly consecutiveFailures: number;
    readonly quorum: number;
    readonly staleAfterIntervals: number;
  };
  /** How down time in a window announced late (6.1.6) counts; "fault" by default. */
  readonly lateNoticeCountsAs: LateNoticeCountsAs;
}

/** Everything the engine computes from: configuration, data, and the clock. */
export interface EngineInput {
  readonly setup: EngineSetup;
  /** The clock, passed in: nothing at or after it is known, and a running period ends here. */
  readonly now: number;
  /** One series per (service, vantage point), from at least {@link lookbackMs} before the period. */
  readonly series: readonly ObservationSeries[];
  readonly maintenance?: readonly MaintenanceWindow[];
  readonly forceMajeure?: readonly ForceMajeureMark[];
  readonly overrides?: readonly IncidentOverride[];
  /** The operator's incident annotations (cause, force majeure, affected users), matched by anchor. */
  readonly annotations?: readonly IncidentAnnotation[];
  /** Code and stage of the first failed result of failing runs (causes.ts `runStarts`). */
  readonly causes?: readonly FailureCause[];
  readonly delays?: readonly DelaySample[];
  readonly inFlight?: readonly InFlightMessage[];
  readonly lost?: readonly LostMessage[];
  readonly security?: readonly SecurityVerdict[];
}

/** The engine's view of a validated configuration. */
export function setupFromConfig(
  config: Config,
  lateNoticeCountsAs: LateNoticeCountsAs = config.sla.lateNoticeCountsAs,
): EngineSetup {
  return {
    timeZone: config.operator.timeZone,
    totalUsers: config.operator.totalUsers,
    segments: config.segments,
    vantagePoints: config.vantagePoints.map((v) => v.name),
    // reputation checks (sender hygiene) are never fault time: config/hygiene.ts
    services: config.services
      .filter((s) => countsForAvailability(s.kind))
      .map((s) => ({
        name: s.name,
        intervalMs: s.interval ?? config.agent.interval,
        segments: s.segments,
        vantagePoints: s.vantagePoints,
      })),
    reputationServices: config.services.filter((s) => !countsForAvailability(s.kind)).map((s) => s.name),
    thresholds: config.thresholds,
    lateNoticeCountsAs,
  };
}

/**
 * How far before a period results must reach for its first instant to be judged right: a run of
 * failures must be seen whole, and a result stays fresh for staleAfterIntervals intervals.
 */
export function lookbackMs(setup: EngineSetup): number {
  const { consecutiveFailures, staleAfterIntervals } = setup.thresholds;
  const longest = Math.max(0, ...setup.services.map((s) => s.intervalMs));
  return (consecutiveFailures + staleAfterIntervals) * longest;
}

/** One segment's states; all lists in normal form. */
export interface SegmentTimeline {
  readonly segment: string;
  readonly users: number;
  /** The longest check interval among its services: how precisely a fault's ends are known. */
  readonly resolutionMs: number;
  /** Fault counted by the indicators (force majeure taken out). */
  readonly fault: Interval[];
  readonly maintenance: Interval[];
  /** Fault time excused as force majeure (1.5). */
  readonly excused: Interval[];
  /** The part of `excused` each mark covers, by mark id (marks may overlap). */
  readonly excusedByMark: ReadonlyMap<string, Interval[]>;
  /** Within the range: some service's state unknown and the segment neither down nor in maintenance. */
  readonly unknown: Interval[];
}

/** The classified history the period computations measure. */
export interface Timeline {
  readonly services: ServiceState[];
  readonly down: ReadonlyMap<string, Interval[]>;
  readonly segments: SegmentTimeline[];
  /** Incidents of the fault before force majeure, so a mark on an incident can find it. */
  readonly incidents: Incident[];
  readonly windows: JudgedWindow[];
  readonly marks: ResolvedMarks;
  /** Annotations (and incident marks) that match no incident any more: shown, never dropped. */
  readonly orphans: IncidentAnnotation[];
  readonly warnings: string[];
}

function indexSeries(input: EngineInput): Map<string, ObservationSeries> {
  const byKey = new Map<string, ObservationSeries>();
  for (const s of input.series) {
    const key = JSON.stringify([s.service, s.vantage]);
    if (byKey.has(key)) throw new RangeError(`two series for ${s.service}/${s.vantage}: merge them first`);
    byKey.set(key, s);
  }
  return byKey;
}

function serviceStates(
  input: EngineInput,
  range: Interval,
  warnings: string[],
  failing: Map<string, VantageFailing>,
): ServiceState[] {
  const { setup, now } = input;
  const { consecutiveFailures, quorum, staleAfterIntervals } = setup.thresholds;
  const bySeries = indexSeries(input);
  const empty: VantageState = { failing: [], fresh: [] };
  const used = new Set<string>();
  const states = setup.services.map((service) => {
    const vantages = service.vantagePoints ?? setup.vantagePoints;
    if (vantages.length < quorum) {
      warnings.push(
        `${service.name}: ${vantages.length} vantage point(s) < quorum ${quorum}, always unknown`,
      );
    }
    const rules = { consecutiveFailures, staleMs: staleAfterIntervals * service.intervalMs, now };
    const states = vantages.map((v) => {
      const key = JSON.stringify([service.name, v]);
      const series = bySeries.get(key);
      used.add(key);
      return series ? vantageState(series, rules) : empty;
    });
    failing.set(
      service.name,
      vantages.map((vantage, i) => ({ vantage, failing: states[i]!.failing })),
    );
    return serviceState(service.name, states, quorum, range);
  });
  for (const [key, s] of bySeries) {
    if (!used.has(key) && !setup.reputationServices?.includes(s.service))
      warnings.push(`results of ${s.service}/${s.vantage} ignored: not a configured pair`);
  }
  return states;
}

/**
 * Classifies everything known before `input.now`. `range` (the period, ended at now) bounds the
 * unknown time; fault and incidents keep their true extent so incident ids do not depend on the period.
 */
export function buildTimeline(input: EngineInput, range: Interval): Timeline {
  const { setup, now } = input;
  const warnings: string[] = [];
  const failing = new Map<string, VantageFailing>();
  const services = serviceStates(input, range, warnings, failing);
  const down = new Map(services.map((s) => [s.service, s.down]));
  const unknownOf = new Map(services.map((s) => [s.service, s.unknown]));
  const windows = judgeWindows(input.maintenance ?? [], setup.lateNoticeCountsAs);
  const cover = (service: string, segment: string) => maintenanceCover(windows, service, segment);
  const causes = causeIndex(input.causes ?? []);

  const split = setup.segments.map((seg) => segmentDownTime(seg.name, setup.services, down, cover));
  const found = setup.segments.flatMap((seg, i) =>
    incidentsOf(split[i]!.fault, {
      segment: seg.name,
      users: seg.users,
      totalUsers: setup.totalUsers,
      now,
      services: (span) =>
        incidentServices(span, { faultByService: split[i]!.byService, failing, causes, now }),
    }),
  );
  const { incidents, marks, orphans } = annotate(input, found, warnings);

  const segments = setup.segments.map((seg, i): SegmentTimeline => {
    const { fault: candidate, maintenance, byService } = split[i]!;
    const { total: excused, byMark: excusedByMark } = excusedTime(marks, seg.name, candidate, byService);
    const fault = subtract(candidate, excused);
    const serving = setup.services.filter((s) => servesSegment(s, seg.name));
    const unknown = subtract(
      union(...serving.map((s) => unknownOf.get(s.name) ?? [])),
      union(candidate, maintenance),
    );
    const resolutionMs = Math.max(0, ...serving.map((s) => s.intervalMs));
    const users = seg.users;
    return { segment: seg.name, users, resolutionMs, fault, maintenance, excused, excusedByMark, unknown };
  });
  return { services, down, segments, incidents, windows, marks, orphans, warnings };
}

/**
 * Applies the operator's annotations (and the older `overrides` and incident marks, which are
 * annotations by another name) to the incidents by time anchor; an annotation's force majeure is a
 * mark on its incident's whole span. What matches nothing is an orphan, with a warning.
 */
function annotate(input: EngineInput, found: readonly Incident[], warnings: string[]) {
  const { setup, now } = input;
  const given = [
    ...(input.annotations ?? []),
    ...(input.overrides ?? []).map((o): IncidentAnnotation => ({
      incidentId: o.incidentId,
      affectedUsers: o.affectedUsers,
      ...(o.anchorEnd === undefined ? {} : { anchorEnd: o.anchorEnd }),
    })),
  ];
  const resolved = resolveAnnotations(given, found, now);
  const incidents = found.map((i) => annotated(i, resolved.byIncident.get(i.id) ?? [], setup.totalUsers));
  const fromAnnotations = (input.annotations ?? []).flatMap((a): ForceMajeureMark[] =>
    a.forceMajeure
      ? [
          {
            id: `incident:${a.incidentId}`,
            reason: a.forceMajeure.reason,
            incidentId: a.incidentId,
            ...(a.anchorEnd === undefined ? {} : { anchorEnd: a.anchorEnd }),
          },
        ]
      : [],
  );
  const names = setup.segments.map((s) => s.name);
  const marks = resolveMarks([...(input.forceMajeure ?? []), ...fromAnnotations], incidents, names, now);
  const orphans = [...resolved.orphans];
  for (const m of marks.unresolved) {
    if (!("incidentId" in m)) continue;
    warnings.push(`force majeure ${m.id}: no incident ${m.incidentId}`);
    // An annotation's mark is already an orphan through its annotation.
    if (!fromAnnotations.includes(m)) {
      orphans.push({
        incidentId: m.incidentId,
        forceMajeure: { reason: m.reason },
        ...(m.anchorEnd === undefined ? {} : { anchorEnd: m.anchorEnd }),
      });
    }
  }
  for (const o of resolved.orphans) {
    if (!o.forceMajeure) warnings.push(`annotation of ${o.incidentId}: no incident matches it any more`);
  }
  return { incidents, marks, orphans };
}
