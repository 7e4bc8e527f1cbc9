import { z } from "zod";
import { incidentSpan, type Incident } from "./incidents.js";
import { normalize, type Interval } from "./intervals.js";

/**
 * Force majeure (1.5): the indicators do not apply to unforeseeable, unavoidable, insurmountable
 * events. The operator marks an incident, or a span of time for some segments, with a reason; the
 * fault time it covers leaves the indicators and is reported apart, never silently dropped.
 */

const Reason = z.string().trim().min(1, "force majeure needs a reason (1.5)");

/** A mark on one incident: covers the incident's whole span, also while it is still open. */
export const ForceMajeureIncident = z.strictObject({
  id: z.string().min(1),
  reason: Reason,
  incidentId: z.string().min(1),
});

/** A mark on a span of time, for some segments (all when absent). */
export const ForceMajeureSpan = z
  .strictObject({
    id: z.string().min(1),
    reason: Reason,
    start: z.number().int(),
    end: z.number().int(),
    segments: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((m) => m.end > m.start, { error: "a force majeure span must end after it starts", path: ["end"] });

/** Either kind of mark. */
export const ForceMajeureMark = z.union([ForceMajeureIncident, ForceMajeureSpan]);
export type ForceMajeureMark = z.infer<typeof ForceMajeureMark>;

/** A mark resolved to the time it excuses in one segment. */
export interface ExcusedSpan {
  readonly mark: ForceMajeureMark;
  readonly segment: string;
  readonly span: Interval;
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
  const byId = new Map(incidents.map((i) => [i.id, i]));
  const spans: ExcusedSpan[] = [];
  const unresolved: ForceMajeureMark[] = [];
  for (const mark of marks) {
    if ("incidentId" in mark) {
      const incident = byId.get(mark.incidentId);
      if (incident) spans.push({ mark, segment: incident.segment, span: incidentSpan(incident, now) });
      else unresolved.push(mark);
    } else {
      for (const segment of mark.segments ?? segments) {
        spans.push({ mark, segment, span: { start: mark.start, end: mark.end } });
      }
    }
  }
  return { spans, unresolved };
}

/** The excused time of one segment, in normal form. */
export function excusedTime(resolved: ResolvedMarks, segment: string): Interval[] {
  return normalize(resolved.spans.filter((s) => s.segment === segment).map((s) => s.span));
}
