import { z } from "zod";
import { DeliveryResult } from "../../contract/delivery-result.js";
import { ProbeResult } from "../../contract/result.js";
import { isWellFormedProbeResult, plainWith } from "../../contract/result-check.js";
import type { IngestRecord } from "../store/index.js";

/**
 * The ingest request body's records (the whole body, with the configuration's admission of each
 * record, is admission.ts's `admittedIngestBody`). Each record is validated with the very schema the agent builds it with:
 * ProbeResult for checks, DeliveryResult for delivery probes; both carry the uuid `id` ingest is
 * idempotent by and the `vantage` the token check compares.
 */

/** One record, as the agent's outbox holds it. */
export const IngestRecordBody = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("check"), payload: ProbeResult }),
  z.strictObject({ type: z.literal("delivery"), payload: DeliveryResult }),
]);

/** The answer: how many records were stored now, and how many were already stored. */
export interface IngestReply {
  accepted: number;
  duplicates: number;
}

const BODY_KEYS: ReadonlySet<string> = new Set(["records"]);
const RECORD_KEYS: ReadonlySet<string> = new Set(["type", "payload"]);

/**
 * The body's records when every one is well formed, checked without building copies: a check result
 * by contract/result-check.ts, anything else by its schema. Undefined at the first doubt; the full
 * parse (admission.ts) then names every fault. Exists because it is most of an ingest's CPU.
 */
export function wellFormedRecords(body: unknown): IngestRecord[] | undefined {
  if (!plainWith(body, BODY_KEYS) || !Object.hasOwn(body, "records") || !Array.isArray(body.records))
    return undefined;
  const out: IngestRecord[] = [];
  for (const r of body.records as unknown[]) {
    if (plainWith(r, RECORD_KEYS) && r.type === "check") {
      if (!isWellFormedProbeResult(r.payload)) return undefined;
      out.push(r as IngestRecord);
    } else {
      const parsed = IngestRecordBody.safeParse(r);
      if (!parsed.success) return undefined;
      out.push(parsed.data as IngestRecord);
    }
  }
  return out;
}
