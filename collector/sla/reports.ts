import { anchorOf, type IncidentAnnotation } from "./anchors.js";
import { incidentSpan, type Incident } from "./incidents.js";
import { clip, intersect, overlaps, totalLength, union, type Interval } from "./intervals.js";
import type { LateNoticeCountsAs } from "./maintenance.js";
import { servesSegment } from "./segment-faults.js";
import type { EngineSetup, Timeline } from "./timeline.js";

/**
 * The rows behind the figures: incidents, maintenance windows and force majeure marks of one period,
 * each with its minutes in the period, so a manager can see what made a number (DESIGN "Who uses it").
 */

const MINUTE = 60_000;

/** An incident as it weighs in one period. */
export interface IncidentReport extends Incident {
  /** Counted fault minutes inside the period (force majeure taken out). */
  readonly faultMinutes: number;
  /** Minutes excused as force majeure (1.5) inside the period. */
  readonly forceMajeureMinutes: number;
  /** faultMinutes x weight: this incident's share of 7.1.2. */
  readonly weightedMinutes: number;
  /** Force majeure marks that excuse part of it. */
  readonly forceMajeure: { id: string; reason: string }[];
}

/** A declared window as judged for the report. */
export interface MaintenanceReport {
  readonly id: string;
  readonly start: number;
  readonly end: number;
  /** End after cancellation; equal to `start` when cancelled before it began. */
  readonly effectiveEnd: number;
  readonly cancelled: boolean;
  readonly announcedAt: number;
  readonly noticeHours: number;
  /** "6.1.6" when announced less than 24 h ahead, else `null`. */
  readonly violation: "6.1.6" | null;
  readonly countedAs: LateNoticeCountsAs;
  /** User-weighted minutes of down time of its scope inside it and the period, however counted. */
  readonly downWeightedMinutes: number;
}

/** One force majeure mark's share of the period. */
export interface ForceMajeureReport {
  readonly id: string;
  readonly reason: string;
  /** "span": a time span the operator marked; "incident": an incident's annotation (its whole span). */
  readonly kind: "span" | "incident";
  /** For an incident mark: the id the incident has now (it may differ from the one marked). */
  readonly incidentId: string | null;
  /** The marked span; for an incident mark, the incident's span (`end` null while it is open). */
  readonly start: number;
  readonly end: number | null;
  readonly segments: string[];
  /** The services whose fault it excuses; `null`: all. */
  readonly services: string[] | null;
  /** User-weighted fault minutes it excused inside the period. */
  readonly weightedMinutes: number;
}

/** An annotation that no incident matches any more (a late result moved or removed its incident). */
export interface OrphanReport {
  /** The id of the incident it was made for. */
  readonly incidentId: string;
  readonly segment: string | null;
  /** The span the incident had when annotated (anchors.ts); `end` null when only its start is known. */
  readonly anchorStart: number | null;
  readonly anchorEnd: number | null;
  readonly cause: string | null;
  /** Its force majeure reason, which now excuses nothing. */
  readonly forceMajeure: string | null;
  readonly affectedUsers: number | null;
}

function excusedOf(timeline: Timeline, segment: string): Interval[] {
  return timeline.segments.find((s) => s.segment === segment)?.excused ?? [];
}

function excusedByMarkOf(timeline: Timeline, segment: string): ReadonlyMap<string, Interval[]> {
  return timeline.segments.find((s) => s.segment === segment)?.excusedByMark ?? new Map();
}

/** Incidents touching `range`, with their minutes inside it. */
export function incidentReports(timeline: Timeline, range: Interval, now: number): IncidentReport[] {
  const rows: IncidentReport[] = [];
  for (const incident of timeline.incidents) {
    const inRange = clip([incidentSpan(incident, now)], range);
    if (inRange.length === 0) continue;
    const excused = totalLength(intersect(inRange, excusedOf(timeline, incident.segment)));
    const faultMinutes = (totalLength(inRange) - excused) / MINUTE;
    const byMark = excusedByMarkOf(timeline, incident.segment);
    const marks = timeline.marks.spans.filter(
      (s) => s.segment === incident.segment && intersect(inRange, byMark.get(s.mark.id) ?? []).length > 0,
    );
    rows.push({
      ...incident,
      faultMinutes,
      forceMajeureMinutes: excused / MINUTE,
      weightedMinutes: faultMinutes * incident.weight,
      forceMajeure: [
        ...new Map(marks.map((m) => [m.mark.id, { id: m.mark.id, reason: m.mark.reason }])).values(),
      ],
    });
  }
  return rows;
}

/** Windows touching `range` (cancelled ones too), with the down time inside them. */
export function maintenanceReports(
  timeline: Timeline,
  setup: EngineSetup,
  range: Interval,
): MaintenanceReport[] {
  const rows: MaintenanceReport[] = [];
  for (const j of timeline.windows) {
    const w = j.window;
    if (w.end <= range.start || w.start >= range.end) continue;
    const inside = clip([j.effective], range);
    let weighted = 0;
    for (const seg of setup.segments) {
      if (w.segments && !w.segments.includes(seg.name)) continue;
      const scope = setup.services.filter(
        (s) => servesSegment(s, seg.name) && (!w.services || w.services.includes(s.name)),
      );
      const down = union(...scope.map((s) => timeline.down.get(s.name) ?? []));
      weighted += (totalLength(intersect(down, inside)) * seg.users) / setup.totalUsers;
    }
    rows.push({
      id: w.id,
      start: w.start,
      end: w.end,
      effectiveEnd: j.effective.end,
      cancelled: w.cancelledAt !== undefined && w.cancelledAt < w.end,
      announcedAt: w.announcedAt,
      noticeHours: j.noticeHours,
      violation: j.late ? "6.1.6" : null,
      countedAs: j.countedAs,
      downWeightedMinutes: weighted / MINUTE,
    });
  }
  return rows;
}

type MutableMark = { -readonly [K in keyof ForceMajeureReport]: ForceMajeureReport[K] };

/** Each mark touching `range`, with the weighted fault minutes it excused inside it. */
export function forceMajeureReports(timeline: Timeline, range: Interval, now: number): ForceMajeureReport[] {
  const rows = new Map<string, MutableMark>();
  for (const { mark, segment, span, incidentId } of timeline.marks.spans) {
    if (!overlaps(span, range)) continue;
    let row = rows.get(mark.id);
    if (!row) {
      const open = incidentId !== undefined && span.end >= now;
      row = {
        id: mark.id,
        reason: mark.reason,
        kind: "incidentId" in mark ? "incident" : "span",
        incidentId: incidentId ?? null,
        start: span.start,
        end: open ? null : span.end,
        segments: [],
        services: "services" in mark && mark.services ? [...mark.services] : null,
        weightedMinutes: 0,
      };
      rows.set(mark.id, row);
    }
    row.segments.push(segment);
    const excused = excusedByMarkOf(timeline, segment).get(mark.id) ?? [];
    for (const incident of timeline.incidents) {
      if (incident.segment !== segment) continue;
      const inside = intersect(clip([incidentSpan(incident, now)], range), excused);
      row.weightedMinutes += (totalLength(inside) * incident.weight) / MINUTE;
    }
  }
  return [...rows.values()];
}

/**
 * Orphaned annotations whose anchor touches `range` (or cannot be read, so no period loses them):
 * an operator's cause or force majeure that a late result left without an incident.
 */
export function orphanReports(timeline: Timeline, range: Interval): OrphanReport[] {
  return timeline.orphans.flatMap((o: IncidentAnnotation): OrphanReport[] => {
    const anchor = anchorOf(o.incidentId, o.anchorEnd);
    if (anchor && !overlaps(anchor.span, range)) return [];
    return [
      {
        incidentId: o.incidentId,
        segment: anchor?.segment ?? null,
        anchorStart: anchor?.span.start ?? null,
        anchorEnd: o.anchorEnd ?? null,
        cause: o.cause ?? null,
        forceMajeure: o.forceMajeure?.reason ?? null,
        affectedUsers: o.affectedUsers ?? null,
      },
    ];
  });
}
