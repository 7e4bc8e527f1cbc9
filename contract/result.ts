import { z } from "zod";
import { CHECK_KINDS } from "../config/services.js";
import { ERROR_CODE_LIST, STAGES } from "./errors.js";

/**
 * Why a probe failed: a closed error code, the protocol stage, the server's words. Shared by check
 * and delivery results, so the collector and its metrics read one shape.
 */
export const ProbeFailure = z.strictObject({
  code: z.enum(ERROR_CODE_LIST as [string, ...string[]]),
  stage: z.enum(STAGES),
  message: z.string().max(2000),
  responseCode: z.number().int().optional(),
});
export type ProbeFailure = z.infer<typeof ProbeFailure>;

/**
 * What one check of one service from one vantage point produced. Agents send these to the
 * collector, which validates them with this same schema; a failed check is a result like any other.
 */
export const ProbeResult = z.strictObject({
  /** Unique per result: the collector ingests idempotently by it. */
  id: z.uuid(),
  check: z.string().min(1),
  kind: z.enum(CHECK_KINDS),
  vantage: z.string().min(1),
  /** Wall-clock start, Unix ms. */
  startedAt: z.number().int().nonnegative(),
  durationSeconds: z.number().nonnegative(),
  ok: z.boolean(),
  error: ProbeFailure.optional(),
  /** Seconds spent in each protocol stage that was reached. */
  phases: z.partialRecord(z.enum(STAGES), z.number().nonnegative()),
  tls: z
    .strictObject({
      /** Certificate expiry, Unix ms. */
      notAfter: z.number().int(),
      subject: z.string().optional(),
      issuer: z.string().optional(),
      protocol: z.string().optional(),
    })
    .optional(),
  /** Small, kind-specific facts (HTTP status, message count, server banner). */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type ProbeResult = z.infer<typeof ProbeResult>;

/** What a check module returns when it passes; the runner adds identity, timing and phases. */
export interface CheckOutcome {
  tls?: ProbeResult["tls"];
  details?: ProbeResult["details"];
}
