import { z } from "zod";
import { DeliveryResult } from "../../contract/delivery-result.js";
import { ProbeResult } from "../../contract/result.js";

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
