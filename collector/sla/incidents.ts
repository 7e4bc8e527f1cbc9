import { z } from "zod";
import type { Interval } from "./intervals.js";

/**
 * Incidents: each maximal fault interval of one segment, named so the API can annotate it (force
 * majeure, affected users) and the annotation still applies when the month is recomputed. 7.1.2
 * weights each fault by its affected users, so the weight lives on the incident.
 */

/** The operator's correction of how many users an incident affected (e.g. only webmail users). */
export const IncidentOverride = z.strictObject({
  incidentId: z.string().min(1),
  affectedUsers: z.number().int().nonnegative(),
});
export type IncidentOverride = z.infer<typeof IncidentOverride>;

/** One fault of one segment. A cross-segment outage is one incident per segment, sharing its time. */
export interface Incident {
  /** `segment@start-ISO`: stable while the fault's first failed check stays the same. */
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
  /** Affected users by incident id. */
  readonly overrides: ReadonlyMap<string, number>;
}

/**
 * Turns a segment's fault intervals (normal form) into incidents. An override larger than the
 * segment is capped at the segment's users: users beyond it belong to other segments, whose own
 * faults carry them, and a cap keeps weighted minutes within the period's minutes.
 */
export function incidentsOf(fault: readonly Interval[], ctx: IncidentContext): Incident[] {
  return fault.map(({ start, end }) => {
    const id = incidentId(ctx.segment, start);
    const override = ctx.overrides.get(id);
    const affectedUsers = Math.min(override ?? ctx.users, ctx.users);
    return {
      id,
      segment: ctx.segment,
      start,
      end: end >= ctx.now ? null : end,
      users: ctx.users,
      affectedUsers,
      weight: ctx.totalUsers > 0 ? affectedUsers / ctx.totalUsers : 0,
      overridden: override !== undefined,
    };
  });
}

/** An incident's span as an interval, an open one ending at "now". */
export function incidentSpan(incident: Incident, now: number): Interval {
  return { start: incident.start, end: incident.end ?? now };
}
