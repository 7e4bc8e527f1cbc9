import type { IncidentReport, OrphanReport } from "../sla/reports.js";
import { showSpan, showTime } from "./format.js";
import type { IncidentServiceRow, OrphanRow } from "./model-types.js";

/**
 * What the report says about what broke: each incident's services with the error code and stage
 * they first failed with and the vantage points that confirmed them, and the annotations that no
 * incident matches any more. Display text is made here once; every format prints it.
 */

/** The services behind one incident, in the operator's zone. */
export function serviceRows(incident: IncidentReport, timeZone: string): IncidentServiceRow[] {
  return incident.services.map((s) => {
    const span = showSpan(s.start, s.end, timeZone);
    const failed = s.code === null ? "failed" : `${s.code}${s.stage ? ` at ${s.stage}` : ""}`;
    const vantagePoints = s.vantagePoints.map((v) => v.vantage);
    const from = vantagePoints.length > 0 ? `, from ${vantagePoints.join(", ")}` : "";
    return {
      service: s.service,
      start: s.start,
      end: s.end,
      code: s.code,
      stage: s.stage,
      vantagePoints,
      show: { span, summary: `${s.service}: ${failed}${from}, ${span}` },
    };
  });
}

/** The operator's cause of an incident: its first annotation's. */
export function causeOf(incident: IncidentReport): string | null {
  return incident.annotations.find((a) => a.cause !== undefined)?.cause ?? null;
}

/** Orphaned annotations with the span they were made for. */
export function orphanRows(orphans: readonly OrphanReport[], timeZone: string): OrphanRow[] {
  return orphans.map((o) => ({
    ...o,
    show: {
      span:
        o.anchorStart === null
          ? o.incidentId
          : o.anchorEnd === null
            ? showTime(o.anchorStart, timeZone)
            : showSpan(o.anchorStart, o.anchorEnd, timeZone),
    },
  }));
}
