import { runKey, type FailureCause } from "./causes.js";
import { clip, totalLength, type Interval } from "./intervals.js";

/**
 * What an incident is made of: the services whose down time made the segment's fault, the vantage
 * points whose failing runs confirmed each one (the quorum), and the error code and stage each
 * service first failed with. Exists so an operator reads "imap and pop3 refused connections from
 * three vantage points" on the page and in the report, not only "segment demo was down".
 */

const MINUTE = 60_000;

/** A vantage point whose failing run overlapped a service's fault in the incident. */
export interface VantageConfirmation {
  readonly vantage: string;
  /** Its run's first failed result (may precede the incident: the quorum came later). */
  readonly start: number;
  /** Code and stage of that first failed result; `null` when the ledger did not say. */
  readonly code: string | null;
  readonly stage: string | null;
}

/** One service's part in an incident. */
export interface IncidentService {
  readonly service: string;
  /** First instant of this service's counted-as-fault down time within the incident. */
  readonly start: number;
  /** Its last instant; `null` while it is still down at "now". */
  readonly end: number | null;
  /** Its fault minutes within the incident (unweighted; may overlap other services'). */
  readonly minutes: number;
  /** Code and stage of the earliest confirming run: what failed first. */
  readonly code: string | null;
  readonly stage: string | null;
  /** The vantage points that confirmed it, earliest run first. */
  readonly vantagePoints: VantageConfirmation[];
}

/** The failing intervals of each vantage point of one service. */
export type VantageFailing = readonly { readonly vantage: string; readonly failing: readonly Interval[] }[];

/** What {@link incidentServices} reads from the timeline. */
export interface IncidentSources {
  /** Per service serving the segment: its fault there (down time outside declared maintenance). */
  readonly faultByService: ReadonlyMap<string, readonly Interval[]>;
  /** Per service: its vantage points' failing intervals. */
  readonly failing: ReadonlyMap<string, VantageFailing>;
  /** Causes by run key (causes.ts). */
  readonly causes: ReadonlyMap<string, FailureCause>;
  readonly now: number;
}

/**
 * The intervals of a sorted, disjoint list that overlap `span`, found by binary search: a year of a
 * flapping service has thousands of incidents, and a linear scan per incident would cost their square.
 */
export function overlapping(list: readonly Interval[], span: Interval): readonly Interval[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.end <= span.start) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < list.length && list[end]!.start < span.end) end++;
  return list.slice(lo, end);
}

/** The services behind one incident's span, ordered by when each started. */
export function incidentServices(span: Interval, src: IncidentSources): IncidentService[] {
  const out: IncidentService[] = [];
  for (const [service, fault] of src.faultByService) {
    const part = clip(overlapping(fault, span), span);
    if (part.length === 0) continue;
    const confirmations: VantageConfirmation[] = [];
    for (const { vantage, failing } of src.failing.get(service) ?? []) {
      // A run overlaps the service's fault here: it overlaps the span and one of the parts.
      const run = overlapping(failing, span).find((f) =>
        overlapping(part, f).some((p) => p.start < f.end && f.start < p.end),
      );
      if (!run) continue;
      const cause = src.causes.get(runKey(service, vantage, run.start));
      confirmations.push({
        vantage,
        start: run.start,
        code: cause?.code ?? null,
        stage: cause?.stage ?? null,
      });
    }
    confirmations.sort((a, b) => a.start - b.start || a.vantage.localeCompare(b.vantage));
    const first = confirmations.find((c) => c.code !== null) ?? confirmations[0];
    const end = part[part.length - 1]!.end;
    out.push({
      service,
      start: part[0]!.start,
      end: end >= src.now ? null : end,
      minutes: totalLength(part) / MINUTE,
      code: first?.code ?? null,
      stage: first?.stage ?? null,
      vantagePoints: confirmations,
    });
  }
  return out.sort((a, b) => a.start - b.start || a.service.localeCompare(b.service));
}
