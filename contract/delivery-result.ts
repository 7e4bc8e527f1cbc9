import { z } from "zod";
import { DeliveryDirection } from "../config/delivery.js";
import { ProbeFailure } from "./result.js";
import { SafeText, Seconds, WireName, WireTime } from "./text.js";

/** The longest delay, bound or age a delivery result may carry whatever the loss timeout (30 days). */
export const MAX_DELIVERY_SECONDS = 30 * 86_400;

/** A probe token: 26 characters of base32 (130 bits, lower case because MTAs may lower-case local parts). */
export const TOKEN_PATTERN = /^[a-z2-7]{26}$/;

/**
 * What one probe message came to: delivered (with its delay and the error bound of that delay),
 * delivered to spam, lost (7.1.12) or never taken over (send-failed). Agents put these in the outbox
 * as type "delivery"; the collector validates them with this same schema.
 */

/** How the end of a delay was seen; each has its own error bound (docs/delivery.md). */
export const Detection = z.enum([
  /** The operator's MTA connected to the sink (first message of the connection). */
  "sink-connect",
  /** MAIL FROM on a connection the MTA reused for a further message. */
  "sink-mail",
  /** An IMAP IDLE notification (EXISTS). */
  "imap-idle",
  /** An IMAP NOOP poll (the burst after sending, or a server without IDLE). */
  "imap-poll",
  /** A SEARCH after (re)connecting: arrived while the watcher was not connected. */
  "imap-search",
  /** A poll of a POP3 maildrop. */
  "pop3-poll",
]);
export type Detection = z.infer<typeof Detection>;

/** One `Received:` hop (probes/delivery/received.ts), supporting detail only. */
export const Hop = z.strictObject({
  from: SafeText(200).optional(),
  by: SafeText(200).optional(),
  with: SafeText(50).optional(),
  at: WireTime.optional(),
});

/** The four outcomes; only "delivered" is a success, "spam" is a delivery to the Junk folder. */
export const Outcome = z.enum(["delivered", "spam", "lost", "send-failed"]);
export type Outcome = z.infer<typeof Outcome>;

/** One delivery probe result. */
export const DeliveryResult = z
  .strictObject({
    /** Unique per result: the collector ingests idempotently by it. */
    id: z.uuid(),
    delivery: WireName,
    direction: DeliveryDirection,
    vantage: WireName,
    token: z.string().regex(TOKEN_PATTERN),
    /** When the operator took the message over (its 250 to DATA), or the attempt began for send-failed; Unix ms. */
    sentAt: WireTime,
    outcome: Outcome,
    /** From the 250 to DATA to the arrival (delivered, spam). */
    delaySeconds: Seconds(MAX_DELIVERY_SECONDS).optional(),
    /**
     * Error bound of `delaySeconds`: how much earlier than seen the message may have arrived (poll gap,
     * IDLE lag), the sink's event-loop allowance, and with `clock: "wall"` the wall-clock allowance.
     */
    errorBoundSeconds: Seconds(MAX_DELIVERY_SECONDS).optional(),
    /** Both ends on this process's monotonic clock, or wall time across an agent restart. */
    clock: z.enum(["monotonic", "wall"]).optional(),
    detection: Detection.optional(),
    /** Wall time the arrival was seen, Unix ms. */
    arrivedAt: WireTime.optional(),
    /** Lost: how long it had been in flight when it was given up. */
    ageSeconds: Seconds(MAX_DELIVERY_SECONDS).optional(),
    /** The operator's queue id from the 250 reply, for its logs. */
    queueId: SafeText(64).optional(),
    error: ProbeFailure.optional(),
    hops: z.array(Hop).max(30).optional(),
  })
  .superRefine((r, ctx) => {
    const need = (key: keyof typeof r, present: boolean) => {
      if ((r[key] !== undefined) !== present) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `${present ? "required" : "not allowed"} when outcome is ${r.outcome}`,
        });
      }
    };
    const arrived = r.outcome === "delivered" || r.outcome === "spam";
    need("delaySeconds", arrived);
    need("errorBoundSeconds", arrived);
    need("clock", arrived);
    need("error", r.outcome === "send-failed");
  });
export type DeliveryResult = z.infer<typeof DeliveryResult>;
