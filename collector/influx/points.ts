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

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * One delivery result (probes/delivery/result.ts): tags delivery, direction, outcome and vantage;
 * fields the delay and its error bound (delivered, spam) or the age at which it was given up
 * (lost), and `count` 1 so every outcome can be counted. Read by field name, so a payload without
 * a `direction` (not a delivery probe result) is stored in the ledger but not exported.
 */
export function deliveryPoint(p: DeliveryPayload, vantage: string, receivedAt: number): ExportPoint | null {
  const direction = str(p.direction);
  if (direction === undefined) return null;
  const tags: Record<string, string> = { vantage, direction };
  for (const key of ["delivery", "outcome"] as const) {
    const v = str(p[key]);
    if (v !== undefined) tags[key] = v;
  }
  const fields: ExportPoint["fields"] = { count: 1 };
  const delay = num(p.delaySeconds);
  const bound = num(p.errorBoundSeconds);
  const age = num(p.ageSeconds);
  if (delay !== undefined) fields.delay_seconds = delay;
  if (bound !== undefined) fields.bound_seconds = bound;
  if (age !== undefined) fields.age_seconds = age;
  return { measurement: MEASUREMENTS.delivery, tags, fields, timestamp: deliveryTime(p, receivedAt) };
}

/** The points of one ingested record (the ingest transaction queues them). */
export function pointsOf(record: IngestRecord, vantage: string, receivedAt: number): ExportPoint[] {
  if (record.type === "check") return [checkPoint(record.payload)];
  const point = deliveryPoint(record.payload, vantage, receivedAt);
  return point ? [point] : [];
}
