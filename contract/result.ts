import { z } from "zod";
import { CHECK_KINDS } from "../config/services.js";
import { ERROR_CODE_LIST, STAGES } from "./errors.js";
import { SafeText, Seconds, WireName, WireTime } from "./text.js";

/** The longest server reply a failure keeps (characters). */
export const MAX_MESSAGE = 2000;
/** The longest check or phase duration a result may carry, whatever the configured timeout (1 day). */
export const MAX_CHECK_SECONDS = 86_400;
/** How far a certificate date may lie from the check that read it (50 years, in ms). */
export const CERT_DATE_SPAN_MS = 50 * 365.25 * 86_400_000;
/** At most this many kind-specific facts per result. */
export const MAX_DETAILS = 20;

/**
 * Why a probe failed: a closed error code, the protocol stage, the server's words. Shared by check
 * and delivery results, so the collector and its metrics read one shape.
 */
export const ProbeFailure = z.strictObject({
  code: z.enum(ERROR_CODE_LIST as [string, ...string[]]),
  stage: z.enum(STAGES),
  message: SafeText(MAX_MESSAGE),
  responseCode: z.number().int().min(0).max(999).optional(),
});
export type ProbeFailure = z.infer<typeof ProbeFailure>;

/**
 * What one check of one service from one vantage point produced. Agents send these to the
 * collector, which validates them with this same schema; a failed check is a result like any other.
 */
export const ProbeResult = z
  .strictObject({
    /** Unique per result: the collector ingests idempotently by it. */
    id: z.uuid(),
    check: WireName,
    kind: z.enum(CHECK_KINDS),
    vantage: WireName,
    /** Wall-clock start, Unix ms. */
    startedAt: WireTime,
    durationSeconds: Seconds(MAX_CHECK_SECONDS),
    ok: z.boolean(),
    error: ProbeFailure.optional(),
    /** Seconds spent in each protocol stage that was reached. */
    phases: z.partialRecord(z.enum(STAGES), Seconds(MAX_CHECK_SECONDS)),
    tls: z
      .strictObject({
        /** Certificate expiry, Unix ms (within 50 years of `startedAt`). */
        notAfter: z.number().int(),
        subject: SafeText(500).optional(),
        issuer: SafeText(500).optional(),
        protocol: SafeText(32).optional(),
      })
      .optional(),
    /** Small, kind-specific facts (HTTP status, message count, server banner). */
    details: z
      .record(WireName, z.union([SafeText(500), z.number().finite(), z.boolean()]))
      .refine((d) => Object.keys(d).length <= MAX_DETAILS, {
        error: `more than ${MAX_DETAILS} details (rule: too-many)`,
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    if (r.tls && Math.abs(r.tls.notAfter - r.startedAt) > CERT_DATE_SPAN_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["tls", "notAfter"],
        message: "more than 50 years from the check's start (rule: out-of-range)",
      });
    }
  });
export type ProbeResult = z.infer<typeof ProbeResult>;

/** What a check module returns when it passes; the runner adds identity, timing and phases. */
export interface CheckOutcome {
  tls?: ProbeResult["tls"];
  details?: ProbeResult["details"];
}
