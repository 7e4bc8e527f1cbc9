import { z } from "zod";
import type { IncidentAnnotation } from "./anchors.js";
import type { IncidentService } from "./incident-services.js";
import type { Interval } from "./intervals.js";

/**
 * Incidents: each maximal fault interval of one segment, named so the API can annotate it (force
 * majeure, affected users) and the annotation still applies when the month is recomputed (matched by
 * its time anchor, anchors.ts). 7.1.2 weights each fault by its affected users, so the weight lives
 * on the incident; the services, vantage points and error codes behind it say what broke.
 */

/** The operator's correction of how many users an incident affected (e.g. only webmail users). */
export const IncidentOverride = z.strictObject({
  incidentId: z.string().min(1),
  affectedUsers: z.number().int().nonnegative(),
  /** The incident's end when the override was made: its time anchor (anchors.ts). */
  anchorEnd: z.number().int().nullable().optional(),
});
export type IncidentOverride = z.infer<typeof IncidentOverride>;

/** One fault of one segment. A cross-segment outage is one incident per segment, sharing its time. */
export interface Incident {
  /**
   * `segment@start-ISO`: changes when a late result moves the start, so annotations are matched by
   * time anchor, not by this id alone (anchors.ts).
   */
  readonly id: string;
  readonly segment: string;
  readonly start: number;
  /** `null` while the fault is still going on at "now". */
  readonly end: number | null;
  /** Users of the segment. */
  readonly users: number;
  /** Users the fault weighs with: the segment's, or the override (at most the segment's). */
  readonly affectedUsers: number;
  /** `affectedUsers / totalUsers`: the factor of 7.1.2. */
  readonly weight: number;
  readonly overridden: boolean;
  /** The services down in it, with the vantage points that confirmed them and their first error. */
  readonly services: IncidentService[];
  /** The operator's annotations that apply to it (usually one; more when late results merged two). */
  readonly annotations: IncidentAnnotation[];
}

/** The id of the incident of `segment` starting at `start`. */
export function incidentId(segment: string, start: number): string {
  return `${segment}@${new Date(start).toISOString()}`;
}

/** The segment and users an incident list is built for. */
export interface IncidentContext {
  readonly segment: string;
  readonly users: number;
  readonly totalUsers: number;
  readonly now: number;
  /** The services behind a fault interval (incident-services.ts). */
  readonly services: (span: Interval) => IncidentService[];
}

/** Turns a segment's fault intervals (normal form) into incidents, not yet annotated. */
export function incidentsOf(fault: readonly Interval[], ctx: IncidentContext): Incident[] {
  return fault.map((span) => ({
    id: incidentId(ctx.segment, span.start),
    segment: ctx.segment,
    start: span.start,
    end: span.end >= ctx.now ? null : span.end,
    users: ctx.users,
    affectedUsers: ctx.users,
    weight: ctx.totalUsers > 0 ? ctx.users / ctx.totalUsers : 0,
    overridden: false,
    services: ctx.services(span),
    annotations: [],
  }));
}

/**
 * An incident with the annotations that apply to it. The first that sets affected users decides;
 * an override larger than the segment is capped at the segment's users: users beyond it belong to
 * other segments, whose own faults carry them, and a cap keeps weighted minutes within the period.
 */
export function annotated(
  incident: Incident,
  annotations: readonly IncidentAnnotation[],
  totalUsers: number,
): Incident {
  if (annotations.length === 0) return incident;
  const override = annotations.find((a) => a.affectedUsers !== undefined)?.affectedUsers;
  const affectedUsers = Math.min(override ?? incident.users, incident.users);
  return {
    ...incident,
    affectedUsers,
    weight: totalUsers > 0 ? affectedUsers / totalUsers : 0,
    overridden: override !== undefined,
    annotations: [...annotations],
  };
}

/** An incident's span as an interval, an open one ending at "now". */
export function incidentSpan(incident: Incident, now: number): Interval {
  return { start: incident.start, end: incident.end ?? now };
}
