import type { ProbeResult } from "../../probes/result.js";
import type { ExportPoint } from "../store/export-queue.js";
import { deliveryTime, type DeliveryPayload, type IngestRecord } from "../store/results.js";

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

const DELAY_KEYS = ["delaySeconds", "seconds"] as const;

/**
 * One delivery delay, when the payload carries one (`delaySeconds` or `seconds` and a `direction`).
 * Provisional until the delivery probes' result schema lands: other delivery payloads are stored
 * in the ledger but not exported.
 */
export function deliveryPoint(p: DeliveryPayload, vantage: string, receivedAt: number): ExportPoint | null {
  const key = DELAY_KEYS.find((k) => typeof p[k] === "number");
  const direction = typeof p.direction === "string" && p.direction !== "" ? p.direction : undefined;
  if (key === undefined || direction === undefined) return null;
  const fields: ExportPoint["fields"] = { delay_seconds: p[key] as number };
  if (typeof p.boundSeconds === "number") fields.bound_seconds = p.boundSeconds;
  const tags: Record<string, string> = { vantage, direction };
  if (typeof p.target === "string" && p.target !== "") tags.target = p.target;
  return { measurement: MEASUREMENTS.delivery, tags, fields, timestamp: deliveryTime(p, receivedAt) };
}

/** The points of one ingested record (the ingest transaction queues them). */
export function pointsOf(record: IngestRecord, vantage: string, receivedAt: number): ExportPoint[] {
  if (record.type === "check") return [checkPoint(record.payload)];
  const point = deliveryPoint(record.payload, vantage, receivedAt);
  return point ? [point] : [];
}
