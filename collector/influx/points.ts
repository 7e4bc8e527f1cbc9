import type { ProbeResult } from "../../contract/result.js";
import type { ExportPoint } from "../store/export-queue.js";
import type { DeliveryResult } from "../../contract/delivery-result.js";
import type { IngestRecord } from "../store/results.js";

/**
 * How results become InfluxDB points for Grafana. A point's identity in InfluxDB is measurement +
 * tag set + timestamp, and a second write of the same identity overwrites the first: each result
 * maps to exactly one identity (one check of one service from one vantage point starts at most
 * once per millisecond), which makes every retry of the export harmless.
 */

/** Measurement names: dashboards (issue 5) query these. */
export const MEASUREMENTS = { check: "mailsla_check", delivery: "mailsla_delivery" } as const;

/** One check result: tags are bounded (config names and closed code lists), values are fields. */
export function checkPoint(r: ProbeResult): ExportPoint {
  const fields: ExportPoint["fields"] = {
    success: r.ok ? 1 : 0,
    duration_seconds: r.durationSeconds,
  };
  for (const [stage, seconds] of Object.entries(r.phases)) {
    if (typeof seconds === "number") fields[`phase_${stage}_seconds`] = seconds;
  }
  if (r.tls) fields.tls_expiry_seconds = (r.tls.notAfter - r.startedAt) / 1000;
  return {
    measurement: MEASUREMENTS.check,
    tags: {
      check: r.check,
      kind: r.kind,
      vantage: r.vantage,
      code: r.error?.code ?? "none",
      stage: r.error?.stage ?? "none",
    },
    fields,
    timestamp: r.startedAt,
  };
}

/**
 * One delivery result: tags the configured delivery, its direction, the outcome and the vantage
 * point; fields the delay and its error bound (delivered, spam) or the age at which the message
 * was given up (lost), and `count` 1 so every outcome can be counted. Time: `sentAt`.
 */
export function deliveryPoint(r: DeliveryResult): ExportPoint {
  const fields: ExportPoint["fields"] = { count: 1 };
  if (r.delaySeconds !== undefined) fields.delay_seconds = r.delaySeconds;
  if (r.errorBoundSeconds !== undefined) fields.bound_seconds = r.errorBoundSeconds;
  if (r.ageSeconds !== undefined) fields.age_seconds = r.ageSeconds;
  return {
    measurement: MEASUREMENTS.delivery,
    tags: { delivery: r.delivery, direction: r.direction, outcome: r.outcome, vantage: r.vantage },
    fields,
    timestamp: r.sentAt,
  };
}

/** The points of one ingested record (the ingest transaction queues them). */
export function pointsOf(record: IngestRecord): ExportPoint[] {
  return [record.type === "check" ? checkPoint(record.payload) : deliveryPoint(record.payload)];
}
