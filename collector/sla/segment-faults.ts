import { intersect, subtract, union, type Interval } from "./intervals.js";

/**
 * Step 3 and 4 of DESIGN "From probe results to the indicators": a segment is in fault while any
 * service it depends on is down, except where that down time is declared maintenance for that
 * (service, segment). The union is taken per segment, so two services down at once count once.
 */

/** The part of a service's configuration that says which users it serves. */
export interface ServiceScope {
  readonly name: string;
  /** Segments the service serves; all segments when absent. */
  readonly segments?: readonly string[];
}

/** Whether a service's outage affects a segment's users. */
export function servesSegment(service: ServiceScope, segment: string): boolean {
  return service.segments === undefined || service.segments.includes(segment);
}

/** One segment's down time, split into fault and maintenance; the two never share an instant. */
export interface SegmentDownTime {
  readonly segment: string;
  readonly fault: Interval[];
  readonly maintenance: Interval[];
  /** Each serving service's fault (its down time outside maintenance): what an incident names. */
  readonly byService: Map<string, Interval[]>;
}

/**
 * Splits a segment's down time. Fault wins where both apply: if one service is in declared
 * maintenance while another is down unplanned, users of the segment are suffering a fault.
 */
export function segmentDownTime(
  segment: string,
  services: readonly ServiceScope[],
  down: ReadonlyMap<string, Interval[]>,
  cover: (service: string, segment: string) => Interval[],
): SegmentDownTime {
  const byService = new Map<string, Interval[]>();
  const planned: Interval[][] = [];
  for (const s of services) {
    if (!servesSegment(s, segment)) continue;
    const d = down.get(s.name) ?? [];
    const m = cover(s.name, segment);
    byService.set(s.name, subtract(d, m));
    planned.push(intersect(d, m));
  }
  const fault = union(...byService.values());
  return { segment, fault, maintenance: subtract(union(...planned), fault), byService };
}
