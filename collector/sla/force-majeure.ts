import { z } from "zod";
import { matchIncident } from "./anchors.js";
import { incidentSpan, type Incident } from "./incidents.js";
import { intersect, subtract, union, type Interval } from "./intervals.js";

/**
 * Force majeure (1.5): the indicators do not apply to unforeseeable, unavoidable, insurmountable
 * events. The operator marks an incident, or a span of time for some segments and services, with a
 * reason; the fault time it covers leaves the indicators and is reported apart, never silently
 * dropped. Only fault inside a span is excused: a flood from 14:00 to 17:00 in an incident lasting
 * until 20:00 excuses three hours, and the slow recovery stays the operator's fault.
 */

const Reason = z.string().trim().min(1, "force majeure needs a reason (1.5)");

/**
 * A mark on one incident: covers the incident's whole span, also while it is still open. The
 * incident is found by its time anchor (anchors.ts), so a late result that moves its start keeps it.
 */
export const ForceMajeureIncident = z.strictObject({
  id: z.string().min(1),
  reason: Reason,
  incidentId: z.string().min(1),
  /** The incident's end (or the time of marking, while open) when it was marked: see anchors.ts. */
  anchorEnd: z.number().int().nullable().optional(),
});

/**
 * A mark on a span of time, for some segments (all when absent) and services (all when absent):
 * with `services`, only fault those services cause is excused; a segment also down through another
 * service is still in fault.
 */
export const ForceMajeureSpan = z
  .strictObject({
    id: z.string().min(1),
    reason: Reason,
    start: z.number().int(),
    end: z.number().int(),
    segments: z.array(z.string().min(1)).min(1).optional(),
    services: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((m) => m.end > m.start, { error: "a force majeure span must end after it starts", path: ["end"] });

/** Either kind of mark. */
export const ForceMajeureMark = z.union([ForceMajeureIncident, ForceMajeureSpan]);
export type ForceMajeureMark = z.infer<typeof ForceMajeureMark>;

/** A mark resolved to the time it may excuse in one segment. */
export interface ExcusedSpan {
  readonly mark: ForceMajeureMark;
  readonly segment: string;
  readonly span: Interval;
  /** The services whose fault it excuses; all when absent. */
  readonly services?: readonly string[];
  /** For a mark on an incident: the id the incident has now. */
  readonly incidentId?: string;
}

/** What the marks excuse per segment; marks naming an unknown incident are returned, for a warning. */
export interface ResolvedMarks {
  readonly spans: ExcusedSpan[];
  readonly unresolved: ForceMajeureMark[];
}

/**
 * Resolves marks against the incidents of the whole range (fault before force majeure), so a mark
 * on an incident follows it as it grows.
 */
export function resolveMarks(
  marks: readonly ForceMajeureMark[],
  incidents: readonly Incident[],
  segments: readonly string[],
  now: number,
): ResolvedMarks {
  const spans: ExcusedSpan[] = [];
  const unresolved: ForceMajeureMark[] = [];
  for (const mark of marks) {
    if ("incidentId" in mark) {
      const incident = matchIncident(mark.incidentId, mark.anchorEnd, incidents, now);
      if (incident) {
        const span = incidentSpan(incident, now);
        spans.push({ mark, segment: incident.segment, span, incidentId: incident.id });
      } else unresolved.push(mark);
    } else {
      for (const segment of mark.segments ?? segments) {
        const span = { start: mark.start, end: mark.end };
        spans.push({ mark, segment, span, ...(mark.services ? { services: mark.services } : {}) });
      }
    }
  }
  return { spans, unresolved };
}

/** The fault time one resolved mark excuses in its segment. */
export function excusedBy(
  s: ExcusedSpan,
  candidate: readonly Interval[],
  faultByService: ReadonlyMap<string, readonly Interval[]>,
): Interval[] {
  const inside = intersect(candidate, [s.span]);
  if (!s.services) return inside;
  const scope = s.services;
  const others = [...faultByService].filter(([service]) => !scope.includes(service)).map(([, f]) => f);
  return subtract(inside, union(...others));
}

/** The excused time of one segment, in normal form, and each mark's share of it (marks may overlap). */
export function excusedTime(
  resolved: ResolvedMarks,
  segment: string,
  candidate: readonly Interval[],
  faultByService: ReadonlyMap<string, readonly Interval[]>,
): { total: Interval[]; byMark: Map<string, Interval[]> } {
  const byMark = new Map<string, Interval[]>();
  for (const s of resolved.spans) {
    if (s.segment !== segment) continue;
    const e = excusedBy(s, candidate, faultByService);
    byMark.set(s.mark.id, union(byMark.get(s.mark.id) ?? [], e));
  }
  return { total: union(...byMark.values()), byMark };
}
