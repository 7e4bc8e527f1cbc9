import { z } from "zod";
import type { Interval } from "./intervals.js";

/**
 * Incident identity that survives recomputation. An incident's id is `segment@start`, and a late
 * result can move its start (an earlier failure confirms the run sooner) or split it (a success
 * arrives from inside it), which changes the id. An operator's annotation (cause, force majeure,
 * affected users) is therefore not looked up by id alone but by its time anchor: the span the
 * incident had when it was annotated. It applies to the segment's incident that overlaps that span
 * most; one that overlaps no incident any more is orphaned and shown as such, never dropped.
 */

/** An operator's annotation of an incident, as the engine resolves it. */
export const IncidentAnnotation = z.strictObject({
  /** The incident's id when it was annotated: `segment@start-ISO`, the anchor's segment and start. */
  incidentId: z.string().min(1),
  /**
   * The anchor's end: the incident's end when it was annotated, or the time of annotation while it
   * was still open. Absent or null: the anchor is the start instant alone.
   */
  anchorEnd: z.number().int().nullable().optional(),
  cause: z.string().optional(),
  forceMajeure: z.strictObject({ reason: z.string().trim().min(1) }).optional(),
  affectedUsers: z.number().int().nonnegative().optional(),
});
export type IncidentAnnotation = z.infer<typeof IncidentAnnotation>;

/** Where an annotation points: a segment and a span of time. */
export interface Anchor {
  readonly segment: string;
  readonly span: Interval;
}

/** The segment and start an incident id names, or null for a string that is not one. */
export function parseIncidentId(id: string): { segment: string; start: number } | null {
  const at = id.lastIndexOf("@");
  if (at <= 0) return null;
  const start = Date.parse(id.slice(at + 1));
  return Number.isNaN(start) ? null : { segment: id.slice(0, at), start };
}

/** The anchor of an annotation made for `incidentId` with `anchorEnd`; null for an id that is not one. */
export function anchorOf(incidentId: string, anchorEnd?: number | null): Anchor | null {
  const parsed = parseIncidentId(incidentId);
  if (!parsed) return null;
  const end = Math.max(parsed.start + 1, anchorEnd ?? parsed.start + 1);
  return { segment: parsed.segment, span: { start: parsed.start, end } };
}

/** The least an incident must offer to be matched. */
export interface Matchable {
  readonly id: string;
  readonly segment: string;
  readonly start: number;
  readonly end: number | null;
}

/**
 * The incident an annotation made for `incidentId` applies to now: the one with that id if it still
 * exists, else the segment's incident overlapping the anchor most (the earliest of equals).
 */
export function matchIncident<T extends Matchable>(
  incidentId: string,
  anchorEnd: number | null | undefined,
  incidents: readonly T[],
  now: number,
): T | undefined {
  const exact = incidents.find((i) => i.id === incidentId);
  if (exact) return exact;
  const anchor = anchorOf(incidentId, anchorEnd);
  if (!anchor) return undefined;
  let best: T | undefined;
  let bestOverlap = 0;
  for (const i of incidents) {
    if (i.segment !== anchor.segment) continue;
    const end = Math.min(i.end ?? now, anchor.span.end);
    const overlap = end - Math.max(i.start, anchor.span.start);
    const earlier = best !== undefined && overlap === bestOverlap && i.start < best.start;
    if (overlap > bestOverlap || earlier) {
      best = i;
      bestOverlap = overlap;
    }
  }
  return best;
}

/** Annotations sorted onto the incidents they apply to; the rest are orphans. */
export interface ResolvedAnnotations {
  /** By the matched incident's current id, in input order. */
  readonly byIncident: ReadonlyMap<string, IncidentAnnotation[]>;
  readonly orphans: IncidentAnnotation[];
}

/** Matches every annotation to an incident ({@link matchIncident}). */
export function resolveAnnotations(
  annotations: readonly IncidentAnnotation[],
  incidents: readonly Matchable[],
  now: number,
): ResolvedAnnotations {
  const byIncident = new Map<string, IncidentAnnotation[]>();
  const orphans: IncidentAnnotation[] = [];
  for (const a of annotations) {
    const incident = matchIncident(a.incidentId, a.anchorEnd, incidents, now);
    if (!incident) {
      orphans.push(a);
      continue;
    }
    const list = byIncident.get(incident.id);
    if (list) list.push(a);
    else byIncident.set(incident.id, [a]);
  }
  return { byIncident, orphans };
}
