import { z } from "zod";
import { ProbeResult } from "../../probes/result.js";

/**
 * The ingest request body. Check results are validated with the very schema the agent builds them
 * with (ProbeResult); delivery results, whose schema arrives with the delivery probes, need a uuid
 * `id` (for idempotency) and, when present, a `vantage` that the token check compares.
 */

/** A delivery result, provisionally: identity and vantage checked, the rest stored as sent. */
export const DeliveryPayload = z.looseObject({
  id: z.uuid(),
  vantage: z.string().min(1).optional(),
});

/** One record, as the agent's outbox holds it. */
export const IngestRecordBody = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("check"), payload: ProbeResult }),
  z.strictObject({ type: z.literal("delivery"), payload: DeliveryPayload }),
]);

/** The whole body. The batch size is checked before this (413, not 400). */
export const IngestBody = z.strictObject({ records: z.array(IngestRecordBody) });
export type IngestBody = z.infer<typeof IngestBody>;

/** The answer: how many records were stored now, and how many were already stored. */
export interface IngestReply {
  accepted: number;
  duplicates: number;
}
